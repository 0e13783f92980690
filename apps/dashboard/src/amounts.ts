// Amounts are integers of uPOKT (bigint on the server, decimal strings in JSON); POKT is only
// ever a formatting of them, so no sum passes through a float.

/** 1 POKT = 10^6 uPOKT. */
export const UPOKT_PER_POKT = 1_000_000n

/** An exact decimal POKT string of a uPOKT amount (`1234567n` → `"1.234567"`). */
export function formatPokt(upokt: bigint): string {
  const sign = upokt < 0n ? '-' : ''
  const abs = upokt < 0n ? -upokt : upokt
  const fraction = (abs % UPOKT_PER_POKT).toString().padStart(6, '0').replace(/0+$/, '')
  return `${sign}${abs / UPOKT_PER_POKT}${fraction ? `.${fraction}` : ''}`
}

/** A uPOKT integer with thousands separators (`1234567n` → `"1,234,567"`). */
export function groupDigits(value: bigint): string {
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}
