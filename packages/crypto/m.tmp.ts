import { fmul } from './src/field.ts'
import { addAffine, buildTable, G, mulBaseSecret, toAffineBatch } from './src/point.ts'

const pts = Array.from({ length: 10 }, (_, i) => mulBaseSecret(BigInt(i + 2) * 7919n))
let t0 = performance.now()
for (const p of pts) buildTable(p)
console.log('build ms', ((performance.now() - t0) / 10).toFixed(1))
t0 = performance.now()
const acc = { X: G.x, Y: G.y, Z: 1n }
for (let i = 0; i < 4096; i++) addAffine(acc, pts[0]!.x, pts[0]!.y)
console.log('4096 madd ms', (performance.now() - t0).toFixed(1))
const jac = Array.from({ length: 4097 }, (_, i) => ({
  X: BigInt(i + 5) * 12345678901234567890123n,
  Y: 7n,
  Z: BigInt(i + 3) * 98765432109876543210n,
}))
t0 = performance.now()
toAffineBatch(jac)
console.log('batch affine ms', (performance.now() - t0).toFixed(1))
let x = 3n
t0 = performance.now()
for (let i = 0; i < 100000; i++)
  x = fmul(x, 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2en)
console.log('fmul ns', ((performance.now() - t0) * 10).toFixed(0))
