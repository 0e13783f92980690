import { describe, expect, it } from 'vitest'
import { knownChainErrors, knownRelayMinerErrors } from '../src/index.js'
import { readVectors } from './vectors.js'

type Known = { codespace: string; code: number; name: string; description: string }
const vectors = readVectors<{ chain: Known[]; relayMiner: Known[] }>('errors.json')

const flatten = (table: Record<string, Record<string, Known & { abciCode: number }>>) =>
  Object.values(table)
    .flatMap((errors) => Object.values(errors))
    .map(({ codespace, abciCode, name, description }) => ({
      codespace,
      code: abciCode,
      name,
      description,
    }))

describe('the registry of known errors (Go reference)', () => {
  it('lists exactly the errors poktroll and the SDK register on chain', () => {
    expect(flatten(knownChainErrors as never)).toEqual(vectors.chain)
  })

  it("lists exactly the errors registered on poktroll's relay miner request path", () => {
    expect(flatten(knownRelayMinerErrors as never)).toEqual(vectors.relayMiner)
    expect(knownRelayMinerErrors.relayer_proxy.ErrRelayerProxyInvalidSession).toMatchObject({
      codespace: 'relayer_proxy',
      abciCode: 1,
    })
    expect(
      knownRelayMinerErrors.relay_authenticator.ErrRelayAuthenticatorInvalidSessionSupplier,
    ).toMatchObject({ codespace: 'relay_authenticator', abciCode: 2 })
    expect(knownRelayMinerErrors.rings.ErrRingClientInvalidRelayRequestSignature).toMatchObject({
      codespace: 'rings',
      abciCode: 3,
    })
  })

  it('keeps the two tables in separate codespaces', () => {
    const chain = new Set(vectors.chain.map((e) => e.codespace))
    for (const e of vectors.relayMiner) expect(chain.has(e.codespace)).toBe(false)
  })
})
