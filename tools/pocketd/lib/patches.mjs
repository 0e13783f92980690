// Everything that makes our pocketd differ from an official v0.1.35 release build. The build
// cache key hashes this file, so a change here rebuilds the binary (docs/pocketd.md explains
// each item).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PocketdError } from './process.mjs'

export const POKTROLL_MODULE = 'github.com/pokt-network/poktroll'
export const POKTROLL_VERSION = 'v0.1.35'

// poktroll pins github.com/pokt-network/cometbft v0.38.19-0.20260515210023-5831282cdcbf, which
// the proxy does not serve. That revision's go.mod hash (in poktroll's go.sum) equals upstream
// v0.38.22's and v0.38.23's, and the fork commit is dated a week after v0.38.23: we build on
// v0.38.23, whose module graph is therefore the one poktroll resolves.
export const COMETBFT_MODULE = 'github.com/cometbft/cometbft'
export const COMETBFT_VERSION = 'v0.38.23'
export const SHANNON_SDK_MODULE = 'github.com/pokt-network/shannon-sdk'

/** `go mod edit` arguments, run in the poktroll copy (siblings: ../cometbft, ../shannon-sdk). */
export const GO_MOD_EDITS = [
  `-replace=${COMETBFT_MODULE}=../cometbft`,
  `-replace=${SHANNON_SDK_MODULE}=../shannon-sdk`,
]

/**
 * The one change the fork's readable history makes to v0.38.x ("[POKT FORK] Remove mutex locks
 * in local client Query/Info methods"): ABCI Info and Query no longer wait for the block being
 * executed, so RPC queries are not blocked by slow EndBlockers.
 */
export function patchCometbft(cometbftDir) {
  const file = join(cometbftDir, 'abci', 'client', 'local_client.go')
  let text = readFileSync(file, 'utf8')
  const lock = '\tapp.mtx.Lock()\n\tdefer app.mtx.Unlock()\n'
  for (const method of ['Info', 'Query']) {
    const at = text.indexOf(`func (app *localClient) ${method}(`)
    const lockAt = at < 0 ? -1 : text.indexOf(lock, at)
    const nextFunc = text.indexOf('\nfunc ', at + 1)
    if (lockAt < 0 || (nextFunc >= 0 && lockAt > nextFunc)) {
      throw new PocketdError(
        'PATCH_FAILED',
        `cometbft: no lock to remove in localClient.${method}.`,
      )
    }
    text = `${text.slice(0, lockAt)}\t// decai: unlocked as in poktroll's cometbft fork.\n${text.slice(lockAt + lock.length)}`
  }
  writeFileSync(file, text)
}

/**
 * Drops `pocketd relayminer relay`, a debug client that sends one relay as an application: it is
 * the only user of shannon-sdk's root package (sessions, ring signing), which the stand-in does
 * not provide. `relayminer start` is untouched.
 */
export function patchRelayerCommands(poktrollDir) {
  const dir = join(poktrollDir, 'pkg', 'relayer', 'cmd')
  const file = join(dir, 'cmd.go')
  const text = readFileSync(file, 'utf8')
  const line = '\tcmd.AddCommand(relayCmd())\n'
  if (!text.includes(line) || !existsSync(join(dir, 'cmd_relay.go'))) {
    throw new PocketdError('PATCH_FAILED', 'relayer: `relay` subcommand not found where expected.')
  }
  writeFileSync(file, text.replace(line, ''))
  rmSync(join(dir, 'cmd_relay.go'))
}

/** `go build` flags: CGO off (set in the environment), as releases; what `pocketd version` shows. */
export function getBuildFlags() {
  const pkg = 'github.com/cosmos/cosmos-sdk/version'
  const ldflags = [
    `-X ${pkg}.Name=pocket`,
    `-X ${pkg}.AppName=pocketd`,
    `-X ${pkg}.Version=${POKTROLL_VERSION.slice(1)}`,
    `-X ${pkg}.BuildTags=decai-localnet`,
  ]
  return ['-trimpath', '-ldflags', ldflags.join(' ')]
}
