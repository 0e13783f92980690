// Writes what @decai/crypto makes, for the Go reference to verify (`conformance verify -in DIR`):
//   crypto-ring-signatures  ring signatures (sizes 2..16, mostly 2), with the members' test keys
//   crypto-ecdsa            supplier signatures (Go re-signs and expects the same bytes)
//   crypto-keys             keys, mnemonics and addresses
//   crypto-ring-addresses   poktroll ring address lists
// Usage: tsx packages/crypto/test/conformance/produce.ts <outDir>

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  bytesToHex,
  COSMOS_HD_PATH,
  configureRingCache,
  generateMnemonic,
  generatePrivateKey,
  getAddress,
  getCryptoBackend,
  getPlaceholderRingKey,
  getPublicKey,
  getRingAddresses,
  privateKeyFromMnemonic,
  pubkeyToAddress,
  serializeRingSignature,
  signSecp256k1,
} from '../../src/index.js'
import { createTracedRingSigner } from '../../src/ring-signature.js'

const outDir = process.argv[2]
if (!outDir) {
  console.error('usage: produce.ts <outDir>')
  process.exit(2)
}
mkdirSync(outDir, { recursive: true })

function write(kind: string, cases: unknown[]): void {
  writeFileSync(join(outDir!, `${kind}.json`), `${JSON.stringify({ kind, cases })}\n`)
  console.log(`wrote ${kind}: ${cases.length} cases`)
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!
const randInt = (n: number) => Math.floor(Math.random() * n)

// --- ring signatures ---

// A pool of test keys (the placeholder among them, whose private key is public) keeps the signers'
// tables warm, as the ring of a real session would.
// Room for every pool key's tables: the key, its hash-to-curve point and its key image.
configureRingCache({ maxTables: 128 })
const placeholder = getPlaceholderRingKey()
const pool = [placeholder.privateKey, ...Array.from({ length: 39 }, () => generatePrivateKey())]
const signers = new Map(pool.map((k) => [bytesToHex(k), createTracedRingSigner(k)]))
const publicOf = new Map(pool.map((k) => [bytesToHex(k), getPublicKey(k)]))

type RingCase = {
  name: string
  message: string
  signature: string
  ringKeys: string[]
  quirkSteps: number[]
}
const ringCases: RingCase[] = []
let preparedCount = 0

function signCase(name: string, ringKeys: Uint8Array[], signerIndex: number): RingCase {
  const message = random(32)
  const ring = ringKeys.map((k) => publicOf.get(bytesToHex(k))!)
  const trace = { shiftedSteps: [] as number[] }
  const signer = signers.get(bytesToHex(ringKeys[signerIndex]!))!
  // Every other signature through the two-phase path: a nonce prepared before the message.
  const prepared = ringCases.length % 2 === 0 ? signer.prepare() : undefined
  if (prepared) preparedCount++
  const sig = signer.sign(message, ring, { trace, ...(prepared ? { prepared } : {}) })
  return {
    name,
    message: bytesToHex(message),
    signature: bytesToHex(serializeRingSignature(sig)),
    ringKeys: ringKeys.map(bytesToHex),
    quirkSteps: trace.shiftedSteps,
  }
}

function distinctKeys(n: number): Uint8Array[] {
  const chosen = new Set<number>()
  while (chosen.size < n) chosen.add(randInt(pool.length))
  return [...chosen].map((i) => pool[i]!)
}

// Mostly rings of 2 (an app without gateways: [placeholder, app]; or app + one gateway).
for (let i = 0; i < 1400; i++) {
  const keys = i % 3 === 0 ? [placeholder.privateKey, pick(pool.slice(1))] : distinctKeys(2)
  ringCases.push(signCase(`ring-2-${i}`, keys, i % 3 === 0 ? 1 : randInt(2)))
}
for (let size = 3; size <= 16; size++) {
  const count = size === 3 ? 200 : 30
  for (let i = 0; i < count; i++)
    ringCases.push(signCase(`ring-${size}-${i}`, distinctKeys(size), randInt(size)))
}
// Signatures from a signer's own pool of prepared nonces (`prepareAhead`), refilled between them.
{
  const key = pick(pool.slice(1))
  const pooled = createTracedRingSigner(key, { prepareAhead: 2 })
  const ring = [placeholder.publicKey, publicOf.get(bytesToHex(key))!]
  for (let i = 0; i < 50; i++) {
    while (pooled.pooledNonces === 0) await new Promise((resolve) => setImmediate(resolve))
    const message = random(32)
    const trace = { shiftedSteps: [] as number[] }
    const sig = pooled.sign(message, ring, { trace })
    ringCases.push({
      name: `pooled-${i}`,
      message: bytesToHex(message),
      signature: bytesToHex(serializeRingSignature(sig)),
      ringKeys: [placeholder.privateKey, key].map(bytesToHex),
      quirkSteps: trace.shiftedSteps,
    })
  }
}
// The older shannon-sdk ring [app, app].
for (let i = 0; i < 20; i++) {
  const app = pick(pool)
  ringCases.push(signCase(`duplicate-${i}`, [app, app], 0))
}
// Signatures searched so their challenge chain goes through the decred left-align quirk.
const wantQuirks = 64
let quirks = ringCases.filter((c) => c.quirkSteps.length > 0).length
for (let tries = 0; quirks < wantQuirks; tries++) {
  if (tries > 100_000) throw new Error('quirk search did not converge')
  const size = tries % 4 === 3 ? 3 : 2
  const c = signCase(`quirk-${tries}`, distinctKeys(size), randInt(size))
  if (c.quirkSteps.length === 0) continue
  ringCases.push(c)
  quirks++
}
write('crypto-ring-signatures', ringCases)
console.log(`  ${quirks} ring signatures went through the decred left-align quirk`)
console.log(`  ${preparedCount} signed with a prepared nonce, 50 with pooled ones (prepareAhead)`)

// --- supplier signatures ---

const ecdsaCases = Array.from({ length: 200 }, (_, i) => {
  const privateKey = i < pool.length ? pool[i]! : generatePrivateKey()
  const message = random(i % 10 === 9 ? randInt(300) : 32)
  return {
    name: `ecdsa-${i}`,
    privateKey: bytesToHex(privateKey),
    publicKey: bytesToHex(getPublicKey(privateKey)),
    message: bytesToHex(message),
    signature: bytesToHex(signSecp256k1(message, privateKey)),
  }
})
write('crypto-ecdsa', ecdsaCases)

// --- keys, mnemonics, addresses ---

const keyCases: Record<string, string>[] = []
for (let i = 0; i < 64; i++) {
  const privateKey = generatePrivateKey()
  keyCases.push({
    name: `key-${i}`,
    privateKey: bytesToHex(privateKey),
    publicKey: bytesToHex(getPublicKey(privateKey)),
    address: getAddress(privateKey),
  })
}
const paths = [COSMOS_HD_PATH, "m/44'/118'/0'/0/1", "m/44'/118'/3'/0/9", "m/44'/118'/0'/1/0"]
for (let i = 0; i < 24; i++) {
  const mnemonic = generateMnemonic(i % 4 === 0 ? 12 : 24)
  const passphrase = i % 5 === 0 ? `passphrase ${i}` : ''
  const path = i < 12 ? COSMOS_HD_PATH : pick(paths)
  const privateKey = privateKeyFromMnemonic(mnemonic, { passphrase, path })
  keyCases.push({
    name: `mnemonic-${i}`,
    mnemonic,
    ...(passphrase ? { passphrase } : {}),
    path,
    privateKey: bytesToHex(privateKey),
    publicKey: bytesToHex(getPublicKey(privateKey)),
    address: getAddress(privateKey),
  })
}
keyCases.push({
  name: 'placeholder',
  privateKey: bytesToHex(placeholder.privateKey),
  publicKey: bytesToHex(placeholder.publicKey),
  address: placeholder.address,
})
write('crypto-keys', keyCases)

// --- poktroll ring address lists ---

const ringAddressCases = Array.from({ length: 100 }, (_, i) => {
  const publicKeys: Record<string, string> = {}
  const newAddress = () => {
    const pub = getPublicKey(generatePrivateKey())
    const address = pubkeyToAddress(pub)
    publicKeys[address] = bytesToHex(pub)
    return address
  }
  // Sessions of 4 blocks on the genesis grid, as the Go verifier configures them.
  const sessionEndHeight = 4n * BigInt(3 + randInt(40))
  const appAddress = newAddress()
  const delegateeGatewayAddresses = Array.from({ length: [0, 0, 1, 2, 4, 7][i % 6]! }, newAddress)
  const pendingUndelegations: Record<string, string[]> = {}
  const undelegate = (height: bigint, gateway: string) => {
    const key = String(height)
    pendingUndelegations[key] = [...(pendingUndelegations[key] ?? []), gateway]
  }
  if (i % 3 !== 0) {
    for (let j = 0; j < 1 + randInt(3); j++) {
      const height = sessionEndHeight + 4n * BigInt(randInt(5) - 2)
      const gateway =
        i % 4 === 1 && j === 0 && delegateeGatewayAddresses[0]
          ? delegateeGatewayAddresses[0]
          : newAddress()
      undelegate(height, gateway)
      if (randInt(3) === 0) undelegate(height + 4n, gateway)
    }
  }
  return {
    name: `ring-addresses-${i}`,
    appAddress,
    delegateeGatewayAddresses,
    pendingUndelegations,
    sessionEndHeight: Number(sessionEndHeight),
    publicKeys,
    addresses: getRingAddresses({
      appAddress,
      delegateeGatewayAddresses,
      pendingUndelegations,
      sessionEndHeight,
    }),
  }
})
write('crypto-ring-addresses', ringAddressCases)
// Which secp256k1 backend made all of the above (DECAI_CRYPTO_BACKEND; the run's log shows it).
console.log(`secp256k1 backend: ${getCryptoBackend()}`)
