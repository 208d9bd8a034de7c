"""Read a TensorFlow Lite flatbuffer: operators, options, float weights."""
import hashlib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

#: TFLite tensor types the reader can turn into numbers.
_TENSOR_DTYPES = dict(
    FLOAT32=np.float32,
    INT32=np.int32,
    UINT8=np.uint8,
    INT64=np.int64,
    INT8=np.int8,
    INT16=np.int16)


def _import_tflite():
    """The ``tflite`` parser, imported when a graph is first read."""
    try:
        import tflite
    except ImportError as err:
        raise ImportError('reading .tflite files needs the `tflite` package '
                          '(requirements/runtime.txt): pip install tflite'
                          ) from err
    return tflite


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _enum_names(enum_class: type) -> Dict[int, str]:
    """Value -> name of a flatbuffers-generated enum class."""
    return {
        value: name
        for name, value in vars(enum_class).items()
        if not name.startswith('_') and isinstance(value, int)
    }


@dataclass(frozen=True)
class TFLiteTensor:
    """One tensor of the graph.

    Attributes:
        index (int): Position in the subgraph's tensor list.
        name (str): TensorFlow's name (often several fused names joined by
            ``;``).
        shape (tuple[int]): Its shape (NHWC for activations, OHWI for
            convolution weights, 1HWC for depthwise weights).
        dtype (str): TFLite type name, e.g. ``'UINT8'``, ``'INT32'``.
        scale (tuple[float]): Quantisation scales: none (not quantised),
            one (per tensor) or one per channel of ``quantized_dimension``.
        zero_point (tuple[int]): The matching zero points.
        quantized_dimension (int): The channel axis of per-channel
            quantisation.
    """
    index: int
    name: str
    shape: Tuple[int, ...]
    dtype: str
    scale: Tuple[float, ...]
    zero_point: Tuple[int, ...]
    quantized_dimension: int


@dataclass(frozen=True)
class TFLiteOperator:
    """One operator of the graph, in execution order.

    Attributes:
        index (int): Position in the subgraph's operator list.
        type (str): Builtin operator name, e.g. ``'CONV_2D'``.
        options (dict): Its option fields that change the arithmetic:
            ``stride`` (h, w), ``padding`` (``'SAME'``/``'VALID'``),
            ``dilation`` (h, w), ``activation`` (``'NONE'``, ``'RELU'``,
            ``'RELU6'``...), ``depth_multiplier``, ``filter_size`` (h, w),
            ``align_corners``, ``half_pixel_centers``, ``axis``; only those
            the operator has.
        inputs (tuple[int]): Input tensor indices (-1 = omitted input).
        outputs (tuple[int]): Output tensor indices.
    """
    index: int
    type: str
    options: Dict[str, Any]
    inputs: Tuple[int, ...]
    outputs: Tuple[int, ...]


class TFLiteGraph:
    """The first subgraph of a ``.tflite`` file, parsed with ``tflite``.

    Args:
        path (str): The ``.tflite`` file.
        sha256 (str, optional): Expected hex SHA-256 of the file; a
            mismatch raises :class:`ValueError` before anything is parsed.

    Attributes:
        path (str): The file.
        sha256 (str): Its hex SHA-256.
        tensors (list[TFLiteTensor]): Every tensor, by index.
        operators (list[TFLiteOperator]): Every operator, in graph order.
        inputs (tuple[int]): The graph's input tensor indices.
        outputs (tuple[int]): The graph's output tensor indices.
    """

    def __init__(self, path: str, sha256: Optional[str] = None) -> None:
        tflite = _import_tflite()
        self.path = path
        self.sha256 = file_sha256(path)
        if sha256 is not None and self.sha256 != sha256.lower():
            raise ValueError(
                f'{path} has SHA-256 {self.sha256}, expected {sha256}: the '
                'file is damaged or not the network asked for; fetch it '
                'again or pass the matching sha256')
        with open(path, 'rb') as f:
            buffer = f.read()
        if buffer[4:8] != b'TFL3':
            raise ValueError(f'{path} is not a TensorFlow Lite flatbuffer '
                             '(no TFL3 identifier)')
        self._model = tflite.Model.GetRootAsModel(buffer, 0)
        self._graph = self._model.Subgraphs(0)
        type_names = _enum_names(tflite.TensorType)
        self.tensors = [
            self._read_tensor(i, type_names)
            for i in range(self._graph.TensorsLength())
        ]
        self.operators = [
            self._read_operator(i)
            for i in range(self._graph.OperatorsLength())
        ]
        self.inputs = tuple(int(i) for i in self._graph.InputsAsNumpy())
        self.outputs = tuple(int(i) for i in self._graph.OutputsAsNumpy())

    def _read_tensor(self, index: int, type_names: Dict[int,
                                                        str]) -> TFLiteTensor:
        tensor = self._graph.Tensors(index)
        quant = tensor.Quantization()
        scale, zero_point, dimension = (), (), 0
        if quant is not None and quant.ScaleLength():
            scale = tuple(float(s) for s in quant.ScaleAsNumpy())
            zero_point = tuple(int(z) for z in quant.ZeroPointAsNumpy())
            dimension = quant.QuantizedDimension()
        shape = tuple(int(s) for s in tensor.ShapeAsNumpy()) if \
            tensor.ShapeLength() else ()
        return TFLiteTensor(index, tensor.Name().decode(), shape,
                            type_names[tensor.Type()], scale, zero_point,
                            dimension)

    def _read_operator(self, index: int) -> TFLiteOperator:
        tflite = _import_tflite()
        op = self._graph.Operators(index)
        code = self._model.OperatorCodes(op.OpcodeIndex())
        # Files written before opcode 127 keep it in the deprecated field.
        name = tflite.opcode2name(
            max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        return TFLiteOperator(index, name, self._read_options(op, name),
                              tuple(int(i) for i in op.InputsAsNumpy()),
                              tuple(int(i) for i in op.OutputsAsNumpy()))

    @staticmethod
    def _read_options(op, name: str) -> Dict[str, Any]:
        tflite = _import_tflite()
        option_classes = dict(
            CONV_2D=tflite.Conv2DOptions,
            DEPTHWISE_CONV_2D=tflite.DepthwiseConv2DOptions,
            AVERAGE_POOL_2D=tflite.Pool2DOptions,
            MAX_POOL_2D=tflite.Pool2DOptions,
            ADD=tflite.AddOptions,
            CONCATENATION=tflite.ConcatenationOptions,
            RESIZE_BILINEAR=tflite.ResizeBilinearOptions)
        table = op.BuiltinOptions()
        if name not in option_classes or table is None:
            return {}
        fields = option_classes[name]()
        fields.Init(table.Bytes, table.Pos)
        options = {}
        if hasattr(fields, 'FusedActivationFunction'):
            options['activation'] = _enum_names(
                tflite.ActivationFunctionType)[
                    fields.FusedActivationFunction()]
        if hasattr(fields, 'StrideH'):
            options['stride'] = (fields.StrideH(), fields.StrideW())
            options['padding'] = _enum_names(tflite.Padding)[
                fields.Padding()]
        if hasattr(fields, 'DilationHFactor'):
            options['dilation'] = (fields.DilationHFactor(),
                                   fields.DilationWFactor())
        if hasattr(fields, 'DepthMultiplier'):
            options['depth_multiplier'] = fields.DepthMultiplier()
        if hasattr(fields, 'FilterHeight'):
            options['filter_size'] = (fields.FilterHeight(),
                                      fields.FilterWidth())
        if hasattr(fields, 'AlignCorners'):
            options['align_corners'] = bool(fields.AlignCorners())
            options['half_pixel_centers'] = bool(fields.HalfPixelCenters())
        if hasattr(fields, 'Axis'):
            options['axis'] = fields.Axis()
        return options

    def raw_value(self, index: int) -> Optional[np.ndarray]:
        """The stored contents of a constant tensor (``None`` for
        activations), in its own dtype and shape."""
        tensor = self.tensors[index]
        data = self._model.Buffers(
            self._graph.Tensors(index).Buffer()).DataAsNumpy()
        if isinstance(data, int) or data.size == 0:  # no buffer: computed
            return None
        if tensor.dtype not in _TENSOR_DTYPES:
            raise NotImplementedError(f'tensor {tensor.name} has type '
                                      f'{tensor.dtype}, not readable here')
        return data.view(_TENSOR_DTYPES[tensor.dtype]).reshape(tensor.shape)

    def value(self, index: int) -> np.ndarray:
        """A constant tensor dequantised to float32:
        ``(q - zero_point) * scale`` (int32 biases too; per channel where
        the file quantises per channel); unquantised tensors are returned
        as stored, cast to float32.

        Raises:
            ValueError: The tensor is an activation (it has no data).
        """
        raw = self.raw_value(index)
        if raw is None:
            raise ValueError(f'tensor {index} ({self.tensors[index].name}) '
                             'holds no constant data')
        tensor = self.tensors[index]
        if not tensor.scale:
            return raw.astype(np.float32)
        # one value per tensor, or per channel along quantized_dimension
        shape = [1] * raw.ndim
        if len(tensor.scale) > 1:
            shape[tensor.quantized_dimension] = len(tensor.scale)
        scale = np.reshape(tensor.scale, shape)
        zero_point = np.reshape(tensor.zero_point, shape)
        return ((raw.astype(np.float64) - zero_point) * scale).astype(
            np.float32)

    def operators_of(self, *types: str) -> List[TFLiteOperator]:
        """The operators of these types, in graph order."""
        return [op for op in self.operators if op.type in types]

    def producer(self, tensor: int) -> Optional[TFLiteOperator]:
        """The operator that writes a tensor (``None`` for graph inputs and
        constants)."""
        for op in self.operators:
            if tensor in op.outputs:
                return op
        return None

    def input_tensor(self) -> TFLiteTensor:
        """The graph's single input tensor."""
        if len(self.inputs) != 1:
            raise ValueError(f'{self.path} has {len(self.inputs)} inputs, '
                             'expected one image')
        return self.tensors[self.inputs[0]]
