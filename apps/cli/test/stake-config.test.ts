import { RPCType } from '@decai/protocol'
import { describe, expect, it } from 'vitest'
import {
  parseApplicationStakeConfig,
  parseGatewayStakeConfig,
  parseSupplierStakeConfig,
} from '../src/index.js'

const owner = 'pokt1htamarexaxhgdsp0xu6sppeyx7avtvqrs09lgs'
const other = 'pokt19tkvgvwht3n8pcqydrcq4cxwhr8rp2gezmtceu'

describe('pocketd stake configs', () => {
  it('reads an application config (localnet example)', () => {
    expect(
      parseApplicationStakeConfig(
        `stake_amount: 200000001upokt\nservice_ids:\n  - anvil\ngateway_addresses: [${owner}]\nper_session_spend_limit: 1000upokt\n`,
      ),
    ).toEqual({
      stake: 200000001n,
      serviceIds: ['anvil'],
      gatewayAddresses: [owner],
      perSessionSpendLimit: 1000n,
    })
  })

  it.each([
    ['service_ids: [anvil]', 'stake amount cannot be empty'],
    ['stake_amount: 1upokt', 'service_ids cannot be empty'],
    ['stake_amount: 0upokt\nservice_ids: [anvil]', 'stake amount cannot be zero'],
    ['stake_amount: 5stake\nservice_ids: [anvil]', 'invalid denom, expecting: upokt, got: stake'],
    ['stake_amount: 5upokt\nservice_ids: ["bad id"]', 'invalid service ID'],
    ['stake_amount: 5upokt\nservice_ids: [a]\ngateway_addresses: [cosmos1xyz]', 'invalid address'],
    ['', 'the config is empty'],
  ])('refuses a bad application config: %s', (text, message) => {
    expect(() => parseApplicationStakeConfig(text)).toThrow(message)
  })

  it('reads a gateway config', () => {
    expect(parseGatewayStakeConfig('stake_amount: 100000068upokt')).toEqual({ stake: 100000068n })
    expect(() => parseGatewayStakeConfig('stake_amount: 1.5upokt')).toThrow('cannot parse')
  })

  it('reads a supplier config: operator and rev share defaults, endpoint options', () => {
    const config = parseSupplierStakeConfig(
      [
        `owner_address: ${owner}`,
        'stake_amount: 1000069upokt',
        'services:',
        '  - service_id: anvil',
        '    endpoints:',
        '      - publicly_exposed_url: http://relayminer1:8545',
        '        rpc_type: json_rpc',
        '        config: {timeout: "30"}',
        '  - service_id: llm',
        `    rev_share_percent: {${owner}: 80, ${other}: 20}`,
        '    endpoints:',
        '      - publicly_exposed_url: https://llm.example:443/v1',
        '        rpc_type: REST',
      ].join('\n'),
    )
    expect(config).toEqual({
      ownerAddress: owner,
      operatorAddress: owner,
      stake: 1000069n,
      services: [
        {
          serviceId: 'anvil',
          endpoints: [
            {
              url: 'http://relayminer1:8545',
              rpcType: RPCType.JSON_RPC,
              configs: [{ key: 1, value: '30' }],
            },
          ],
          revShare: [{ address: owner, revSharePercentage: 100n }],
        },
        {
          serviceId: 'llm',
          endpoints: [{ url: 'https://llm.example:443/v1', rpcType: RPCType.REST, configs: [] }],
          revShare: [
            { address: owner, revSharePercentage: 80n },
            { address: other, revSharePercentage: 20n },
          ],
        },
      ],
    })
  })

  it.each([
    ['stake_amount: 1upokt', 'owner_address: invalid address'],
    [
      `owner_address: ${owner}\nstake_amount: 1upokt\ndefault_rev_share_percent: {${owner}: 90}`,
      'add up to 90',
    ],
    [
      `owner_address: ${owner}\nstake_amount: 1upokt\nservices: [{service_id: a, endpoints: []}]`,
      'no endpoints',
    ],
    [
      `owner_address: ${owner}\nstake_amount: 1upokt\nservices: [{service_id: a, endpoints: [{publicly_exposed_url: "http://x:1", rpc_type: SOAP}]}]`,
      'invalid rpc type',
    ],
    [
      `owner_address: ${owner}\nstake_amount: 1upokt\nservices: [{service_id: a, endpoints: [{publicly_exposed_url: "x:1", rpc_type: REST}]}]`,
      'missing host',
    ],
  ])('refuses a bad supplier config: %s', (text, message) => {
    expect(() => parseSupplierStakeConfig(text)).toThrow(message)
  })
})
