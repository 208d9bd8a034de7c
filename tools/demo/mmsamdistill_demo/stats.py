"""Paired differences over seeds: mean and Student-t confidence interval."""
import math
import statistics
from dataclasses import dataclass
from typing import Optional, Sequence


@dataclass
class Interval:
    """Mean of ``n`` values with a two-sided Student-t confidence interval.

    Args:
        mean (float): Sample mean.
        low (float | None): Lower bound (None for fewer than 2 values).
        high (float | None): Upper bound.
        n (int): Number of values.
        confidence (float): Confidence level, e.g. 0.95.
        std (float | None): Sample standard deviation (n - 1 in the
            denominator).
    """
    mean: float
    low: Optional[float]
    high: Optional[float]
    n: int
    confidence: float
    std: Optional[float]

    @property
    def half_width(self) -> Optional[float]:
        return None if self.high is None else self.high - self.mean

    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely on one side of 0."""
        return self.low is not None and (self.low > 0 or self.high < 0)

    def format(self, digits: int = 3, unit: str = '') -> str:
        """``+0.123 dB [95 % CI +0.010, +0.236]`` (or the mean alone)."""
        mean = f'{self.mean:+.{digits}f}{unit}'
        if self.low is None:
            return f'{mean} (n = {self.n}, no interval)'
        return (f'{mean} [{100 * self.confidence:g} % CI '
                f'{self.low:+.{digits}f}, {self.high:+.{digits}f}]')

    def as_dict(self) -> dict:
        return dict(mean=self.mean, low=self.low, high=self.high, n=self.n,
                    confidence=self.confidence, std=self.std,
                    half_width=self.half_width)


def t_quantile(probability: float, dof: int) -> float:
    """The Student-t quantile ``t_{probability, dof}`` (scipy)."""
    from scipy.stats import t
    return float(t.ppf(probability, dof))


def t_interval(values: Sequence[float],
               confidence: float = 0.95) -> Interval:
    """Mean and ``confidence`` Student-t interval (n - 1 degrees of freedom).

    ``mean ± t_{(1 + confidence) / 2, n - 1} * s / sqrt(n)`` with ``s`` the
    sample standard deviation: the interval of a mean paired difference
    when the seeds are independent draws.

    Args:
        values (Sequence[float]): E.g. per-seed paired gains.
        confidence (float): Defaults to 0.95.

    Returns:
        Interval: No bounds with fewer than two values.
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError('t_interval needs at least one value')
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must be in (0, 1), got {confidence}')
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return Interval(mean, None, None, n, confidence, None)
    std = statistics.stdev(values)
    half = t_quantile((1 + confidence) / 2, n - 1) * std / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, confidence, std)


def mean_std(values: Sequence[float], digits: int = 3) -> str:
    """``mean ± std`` (sample std) of a list, or the value alone."""
    if len(values) < 2:
        return f'{values[0]:.{digits}f}'
    return (f'{statistics.mean(values):.{digits}f} ± '
            f'{statistics.stdev(values):.{digits}f}')
