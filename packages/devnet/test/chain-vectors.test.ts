// Cross-checks against vectors the Go reference wrote for @decai/chain: typed events (gogo bytes
// and the attributes the SDK's TypedEventToEvent makes of them) must come out of the devnet's
// event encoder unchanged, and every error the devnet registers must carry poktroll's codespace,
// code and description (the registry's vectors, written for @decai/protocol).

import { readFileSync } from 'node:fs'
import type { DescMessage } from '@decai/protocol'
import { unmarshal } from '@decai/protocol'
import { file_pocket_application_event } from '@decai/protocol/gen/pocket/application/event_pb'
import { file_pocket_gateway_event } from '@decai/protocol/gen/pocket/gateway/event_pb'
import { file_pocket_migration_event } from '@decai/protocol/gen/pocket/migration/event_pb'
import { file_pocket_proof_event } from '@decai/protocol/gen/pocket/proof/event_pb'
import { file_pocket_service_event } from '@decai/protocol/gen/pocket/service/event_pb'
import { file_pocket_supplier_event } from '@decai/protocol/gen/pocket/supplier/event_pb'
import { file_pocket_tokenomics_event } from '@decai/protocol/gen/pocket/tokenomics/event_pb'
import { describe, expect, it } from 'vitest'
import type { RegisteredError } from '../src/app/abci-error.js'
import * as chainErrors from '../src/app/chain-errors.js'
import { hexToBytes } from '../src/app/codec.js'
import { typedEvent } from '../src/app/events.js'

const vectorsDir = new URL('../../chain/test/vectors/', import.meta.url)
const read = <T>(name: string): T =>
  (JSON.parse(readFileSync(new URL(name, vectorsDir), 'utf8')) as { vectors: T }).vectors

type EventVector = { type: string; attributes: { key: string; value: string }[]; bytes: string }
type KnownError = { codespace: string; code: number; name: string; description: string }

const events = read<{ events: EventVector[] }>('events.json')
const errors = (
  JSON.parse(
    readFileSync(new URL('../../protocol/test/vectors/errors.json', import.meta.url), 'utf8'),
  ) as { vectors: { chain: KnownError[]; relayMiner: KnownError[] } }
).vectors

const eventSchemas = new Map<string, DescMessage>(
  [
    file_pocket_application_event,
    file_pocket_gateway_event,
    file_pocket_migration_event,
    file_pocket_proof_event,
    file_pocket_service_event,
    file_pocket_supplier_event,
    file_pocket_tokenomics_event,
  ].flatMap((file) => file.messages.map((m) => [m.typeName, m] as const)),
)

// Events captured from a block carry the SDK's trailing msg_index (transactions) or mode (begin
// and end blockers), which the devnet adds where it delivers them, not in the encoder.
const withoutMsgIndex = (attributes: EventVector['attributes']) =>
  ['msg_index', 'mode'].includes(attributes.at(-1)?.key ?? '')
    ? attributes.slice(0, -1)
    : attributes

describe('typed events (Go TypedEventToEvent vectors)', () => {
  it('encodes every event with the same attributes as the SDK', () => {
    const cases = events.events
    expect(cases.length).toBeGreaterThan(100)
    for (const c of cases) {
      const schema = eventSchemas.get(c.type)
      expect(schema, c.type).toBeDefined()
      const event = typedEvent(schema!, unmarshal(schema!, hexToBytes(c.bytes)))
      expect(event.type).toBe(c.type)
      expect(
        event.attributes.map(({ key, value }) => ({ key, value })),
        c.type,
      ).toEqual(withoutMsgIndex(c.attributes))
    }
  })
})

describe('registered errors (poktroll and SDK registries)', () => {
  it('uses upstream codespaces, codes and descriptions', () => {
    const known = new Map(
      [...errors.chain, ...errors.relayMiner].map((e) => [
        `${e.codespace}/${e.code}`,
        e.description,
      ]),
    )
    let checked = 0
    for (const group of Object.values(chainErrors)) {
      for (const error of Object.values(group) as RegisteredError[]) {
        const id = `${error.codespace}/${error.code}`
        expect(known.has(id), id).toBe(true)
        expect(error.description, id).toBe(known.get(id))
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })
})
