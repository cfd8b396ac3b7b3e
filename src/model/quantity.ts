import { ConfigError } from '../core/errors';

const QUANTITY = /^(\+)?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const NANO = 10n ** 9n;

type Format = 'binary' | 'decimal' | 'exponent';

/**
 * A Kubernetes resource quantity, held exactly (in units of 10^-9) and written in the
 * canonical form the API server returns (`0.5` -> `500m`, `1024Mi` -> `1Gi`, `1000m` -> `1`),
 * so a synced object never shows a normalisation diff in Argo CD.
 */
export class Quantity {
  /**
   * Parse a quantity such as `500m`, `0.5`, `256Mi`, `1G`; numbers are read as decimal.
   *
   * @throws ConfigError naming the value and what is allowed
   */
  public static parse(value: string | number): Quantity {
    return Quantity.parseAt('Quantity.parse', 'value', value);
  }

  /**
   * {@link Quantity.parse}, its error naming the construct `path` and the prop `field`.
   * @internal
   */
  public static parseAt(path: string, field: string, value: string | number): Quantity {
    const text = typeof value === 'number' ? numberToText(value) : value;
    const m = typeof text === 'string' ? QUANTITY.exec(text) : null;
    if (!m) {
      throw new ConfigError(path, field, value, 'is not a Kubernetes quantity: a non-negative number with an optional suffix n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei (e.g. "500m", "256Mi")');
    }
    const [, , digits, suffix = ''] = m;
    const [intPart, fracPart = ''] = digits.split('.');
    // value = int.frac * 10^0, scaled to nano units
    let nanos = BigInt(intPart || '0') * NANO;
    const frac = fracPart.slice(0, 9).padEnd(9, '0');
    nanos += BigInt(frac);
    const extraFrac = fracPart.slice(9);
    let format: Format;
    if (suffix in BINARY) {
      format = 'binary';
      const exact = (BigInt(intPart || '0') * NANO * 10n ** BigInt(extraFrac.length) + BigInt(frac + extraFrac)) * 1024n ** BigInt(BINARY[suffix]);
      nanos = ceilDiv(exact, 10n ** BigInt(extraFrac.length));
    } else {
      const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
      format = suffix in DECIMAL ? 'decimal' : 'exponent';
      const scaledDigits = BigInt((intPart || '0') + fracPart); // value * 10^fracLen
      const shift = exp + 9 - fracPart.length; // nanos = scaledDigits * 10^shift
      nanos = shift >= 0 ? scaledDigits * 10n ** BigInt(shift) : ceilDiv(scaledDigits, 10n ** BigInt(-shift));
    }
    return new Quantity(nanos, format);
  }

  private constructor(private readonly nanos: bigint, private readonly format: Format) {}

  /** Compare with another quantity: negative, zero or positive. */
  public compare(other: Quantity): number {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** The canonical string, as the Kubernetes API server would write it. */
  public toString(): string {
    let format = this.format;
    if (format === 'binary' && (this.nanos < 1024n * NANO || this.nanos % NANO !== 0n)) format = 'decimal';
    if (format === 'binary') {
      const bytes = this.nanos / NANO;
      for (let k = 6; k >= 1; k--) {
        const unit = 1024n ** BigInt(k);
        if (bytes % unit === 0n) return `${bytes / unit}${Object.keys(BINARY)[k - 1]}`;
      }
      return `${bytes}`;
    }
    if (this.nanos === 0n) return '0';
    // largest exponent (multiple of 3, -9..18) giving an integer mantissa
    for (let e = 18; e >= -9; e -= 3) {
      const div = 10n ** BigInt(e + 9);
      if (this.nanos % div === 0n) {
        const mantissa = this.nanos / div;
        if (format === 'exponent') return e === 0 ? `${mantissa}` : `${mantissa}e${e}`;
        return `${mantissa}${DECIMAL_SUFFIX[e]}`;
      }
    }
    return `${this.nanos}n`;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function numberToText(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(9).replace(/\.?0+$/, '');
}
