// Vectors for the devnet from pocketd itself (`pnpm pocketd vectors`):
//   - genesis-params.json: the localnet's genesis with one change at a time, each checked by
//     `pocketd genesis validate`, with its verdict (pocketd's error text, or null); the devnet's
//     tests replay every case through its own validation and expect the same verdict, and check
//     that its default params are the localnet's;
//   - bech32-errors.json: what Go's address decoding says about malformed addresses
//     (`pocketd debug addr`), which poktroll and the SDK put into their error logs.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './build.mjs'
import { run } from './process.mjs'

const coin = (amount, denom = 'upokt') => ({ denom, amount: String(amount) })
const shares = (dao, proposer, supplier, source_owner, application) => ({
  dao,
  proposer,
  supplier,
  source_owner,
  application,
})

/** One change each (proto JSON, snake_case) over the localnet's genesis params. */
export const GENESIS_PARAM_CASES = [
  ['localnet params', {}],
  [
    "poktroll's default session and windows",
    {
      shared: {
        num_blocks_per_session: '10',
        claim_window_close_offset_blocks: '4',
        proof_window_close_offset_blocks: '4',
        supplier_unbonding_period_sessions: '1',
        application_unbonding_period_sessions: '1',
      },
    },
  ],
  [
    'supplier unbonding shorter than the windows',
    { shared: { supplier_unbonding_period_sessions: '1' } },
  ],
  [
    'application unbonding shorter than the windows',
    { shared: { application_unbonding_period_sessions: '1' } },
  ],
  [
    'unbonding exactly the windows',
    {
      shared: {
        num_blocks_per_session: '5',
        supplier_unbonding_period_sessions: '1',
        application_unbonding_period_sessions: '1',
      },
    },
  ],
  ['no blocks per session', { shared: { num_blocks_per_session: '0' } }],
  ['grace period of a whole session', { shared: { grace_period_end_offset_blocks: '4' } }],
  ['claim window opening in the grace period', { shared: { grace_period_end_offset_blocks: '2' } }],
  ['no gateway unbonding', { shared: { gateway_unbonding_period_sessions: '0' } }],
  ['no supplier unbonding', { shared: { supplier_unbonding_period_sessions: '0' } }],
  [
    'no compute units to tokens multiplier',
    { shared: { compute_units_to_tokens_multiplier: '0' } },
  ],
  ['no compute unit cost granularity', { shared: { compute_unit_cost_granularity: '0' } }],
  [
    'no claim or proof window',
    {
      shared: {
        grace_period_end_offset_blocks: '0',
        claim_window_open_offset_blocks: '0',
        claim_window_close_offset_blocks: '0',
        proof_window_open_offset_blocks: '0',
        proof_window_close_offset_blocks: '0',
      },
    },
  ],
  ['no suppliers per session', { session: { num_suppliers_per_session: '0' } }],
  ['proof probability above 1', { proof: { proof_request_probability: 1.5 } }],
  ['proof probability below 0', { proof: { proof_request_probability: -0.25 } }],
  ['proof probability 0', { proof: { proof_request_probability: 0 } }],
  ['proof threshold in another denom', { proof: { proof_requirement_threshold: coin(5, 'pokt') } }],
  ['negative proof threshold', { proof: { proof_requirement_threshold: coin(-5) } }],
  ['negative missing-proof penalty', { proof: { proof_missing_penalty: coin(-1) } }],
  ['proof submission fee in another denom', { proof: { proof_submission_fee: coin(1, 'stake') } }],
  ['negative proof submission fee', { proof: { proof_submission_fee: coin(-1) } }],
  ['mint ratio 0', { tokenomics: { mint_ratio: 0 } }],
  ['mint ratio above 1', { tokenomics: { mint_ratio: 1.5 } }],
  ['mint ratio 0.975', { tokenomics: { mint_ratio: 0.975 } }],
  ['negative global inflation', { tokenomics: { global_inflation_per_claim: -0.1 } }],
  ['no global inflation', { tokenomics: { global_inflation_per_claim: 0 } }],
  [
    'mint allocation summing to 0.9',
    { tokenomics: { mint_allocation_percentages: shares(0, 0.05, 0.7, 0.15, 0) } },
  ],
  [
    'negative mint allocation',
    { tokenomics: { mint_allocation_percentages: shares(-0.1, 0.15, 0.8, 0.15, 0) } },
  ],
  [
    'mint-equals-burn distribution summing to 1.1',
    { tokenomics: { mint_equals_burn_claim_distribution: shares(0.2, 0.05, 0.7, 0.15, 0) } },
  ],
  [
    'negative mint-equals-burn share',
    { tokenomics: { mint_equals_burn_claim_distribution: shares(0.1, 0.05, 0.7, 0.25, -0.1) } },
  ],
  [
    'all of mint-equals-burn to the supplier',
    { tokenomics: { mint_equals_burn_claim_distribution: shares(0, 0, 1, 0, 0) } },
  ],
  ['no DAO reward address', { tokenomics: { dao_reward_address: '' } }],
  [
    'overservicing bonus multiplier 1001',
    { tokenomics: { overservicing_bonus_multiplier: '1001' } },
  ],
  [
    'overservicing bonus multiplier 1000',
    { tokenomics: { overservicing_bonus_multiplier: '1000' } },
  ],
  ['no add-service fee', { service: { add_service_fee: coin(0) } }],
  ['add-service fee in another denom', { service: { add_service_fee: coin(1, 'stake') } }],
  ['no target number of relays', { service: { target_num_relays: '0' } }],
  ['no delegated gateways', { application: { max_delegated_gateways: '0' } }],
  ['no application minimum stake', { application: { min_stake: coin(0) } }],
  ['application minimum stake in another denom', { application: { min_stake: coin(1, 'stake') } }],
  ['no gateway minimum stake', { gateway: { min_stake: coin(0) } }],
  ['no supplier minimum stake', { supplier: { min_stake: coin(0) } }],
  ['negative supplier staking fee', { supplier: { staking_fee: coin(-1) } }],
  ['no supplier staking fee', { supplier: { staking_fee: coin(0) } }],
]

const MODULES = [
  'shared',
  'session',
  'proof',
  'tokenomics',
  'service',
  'application',
  'gateway',
  'supplier',
]

/**
 * Runs every case through `pocketd genesis validate` on a copy of `home`'s genesis and writes
 * the vectors file; returns its path.
 * @param {{ binary: string, home: string, applyParams: (state: any, params: any) => void }} options
 */
export async function generateGenesisVectors({ binary, home, applyParams }) {
  const genesis = JSON.parse(readFileSync(join(home, 'config', 'genesis.json'), 'utf8'))
  const version = (await run(binary, ['version'])).stdout.trim()
  const work = mkdtempSync(join(tmpdir(), 'decai-genesis-vectors-'))
  const cases = []
  try {
    for (const [name, params] of GENESIS_PARAM_CASES) {
      const changed = structuredClone(genesis)
      applyParams(changed.app_state, params)
      const file = join(work, 'genesis.json')
      writeFileSync(file, JSON.stringify(changed))
      const result = spawnSync(binary, ['genesis', 'validate', file, '--home', work], {
        encoding: 'utf8',
      })
      const error =
        result.status === 0 ? null : readVerdict(`${result.stderr}\n${result.stdout}`, file)
      cases.push({ name, params, error })
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const out = join(repoRoot, 'packages', 'devnet', 'test', 'vectors', 'genesis-params.json')
  const base = Object.fromEntries(MODULES.map((m) => [m, genesis.app_state[m].params]))
  writeFileSync(
    out,
    `${JSON.stringify({ generatedBy: `pocketd ${version} genesis validate`, base, cases }, null, 2)}\n`,
  )
  return out
}

// pocketd prints usage, then `error validating genesis file <file>: <the module's error>`.
function readVerdict(output, file) {
  const prefix = `error validating genesis file ${file}: `
  const line = output.split('\n').find((l) => l.includes(prefix))
  if (!line) throw new Error(`pocketd genesis validate failed without a verdict:\n${output}`)
  return line.slice(line.indexOf(prefix) + prefix.length).trim()
}

/** Malformed (and two valid) addresses, each a different failure of Go's bech32 decoding. */
export const ADDRESS_CASES = [
  'pokt1erxf3sa9q2j4vgseu7jq4a258ckmk7cyjc9lm6',
  'POKT1ERXF3SA9Q2J4VGSEU7JQ4A258CKMK7CYJC9LM6',
  'pokt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhhl3rq',
  'Pokt1erxf3sa9q2j4vgseu7jq4a258ckmk7cyjc9lm6',
  'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu',
  'pokt1bxx',
  'nobody',
  'pokt1erxf3sa9q2j4vgseu7jq4a258ckmk7cyjc9lmb',
  'pokt1erxf3sa9q2j4vgseu7jq4a258ckmk7cyjc9l\u00e9',
  'pokt 1erxf3sa9q2j4vgseu7jq4a258ckmk7cyjc9lm6',
  `pokt1${'q'.repeat(1100)}`,
  'pokt1qqqqqqqqqqqqqq9sdxlw',
]

/**
 * Runs every address through `pocketd debug addr` and writes its account-address verdict
 * (`sdk.AccAddressFromBech32`'s error, or null); returns the file's path.
 * @param {{ binary: string, home: string }} options
 */
export function generateAddressVectors({ binary, home }) {
  const cases = ADDRESS_CASES.map((input) => {
    const address = JSON.parse(`"${input}"`)
    const result = spawnSync(binary, ['debug', 'addr', address, '--home', home], {
      encoding: 'utf8',
    })
    const output = `${result.stdout}\n${result.stderr}`
    if (result.status === 0) return { address, error: null }
    const match = /bech32 acc: (.*?), bech32 val: /.exec(output)
    if (!match) throw new Error(`pocketd debug addr ${address}: no verdict:\n${output}`)
    return { address, error: match[1] }
  })
  const out = join(repoRoot, 'packages', 'devnet', 'test', 'vectors', 'bech32-errors.json')
  writeFileSync(
    out,
    `${JSON.stringify({ generatedBy: 'pocketd debug addr (bech32 acc)', cases }, null, 2)}\n`,
  )
  return out
}
