import {
  COSMOS_HD_PATH,
  generateMnemonic,
  isAddress,
  privateKeyFromHex,
  privateKeyToHex,
} from '@decai/crypto'
import { argument, type Command, integerOption, stringOption } from '../command.js'
import { usageError } from '../errors.js'
import { keyFromMnemonic, type StoredKey } from '../keyring.js'
import { table } from '../output.js'

const label = (key: StoredKey) => (key.test ? 'TEST (public key, never hold real funds)' : '')

const add: Command = {
  path: ['keys', 'add'],
  usage: '<name> [--words 12|24] [--overwrite]',
  summary: 'create a key from a new mnemonic (shown once: write it down)',
  options: { words: { type: 'string' }, overwrite: { type: 'boolean' } },
  async run({ args, values, ctx }) {
    const name = argument(args, 0, 'name')
    const words = integerOption(values, 'words') ?? 24
    if (![12, 15, 18, 21, 24].includes(words))
      throw usageError('--words must be 12, 15, 18, 21 or 24.')
    const mnemonic = generateMnemonic(words as 12 | 24)
    const key = ctx.keyring.add(await keyFromMnemonic(name, mnemonic), {
      overwrite: values['overwrite'] === true,
    })
    if (ctx.json) return ctx.out.json({ name, address: key.address, mnemonic })
    ctx.out.line(`${name}  ${key.address}`)
    ctx.out.note(
      `\nMnemonic (write it down; it is the only way to recover this key):\n\n  ${mnemonic}\n`,
    )
  },
}

const importKey: Command = {
  path: ['keys', 'import'],
  usage:
    '<name> (--mnemonic "<words>" | --mnemonic-stdin | --private-key <hex>) [--index N | --hd-path P] [--overwrite]',
  summary: 'import a key from a mnemonic (pocketd keys add --recover) or a hex private key',
  options: {
    mnemonic: { type: 'string' },
    'mnemonic-stdin': { type: 'boolean' },
    'private-key': { type: 'string' },
    index: { type: 'string' },
    'hd-path': { type: 'string' },
    overwrite: { type: 'boolean' },
  },
  async run({ args, values, ctx, readStdin }) {
    const name = argument(args, 0, 'name')
    const hex = stringOption(values, 'private-key')
    let mnemonic = stringOption(values, 'mnemonic')
    if (values['mnemonic-stdin'] === true) mnemonic = (await readStdin()).trim()
    if ((hex === undefined) === (mnemonic === undefined))
      throw usageError('Give exactly one of --mnemonic, --mnemonic-stdin and --private-key.')
    const index = integerOption(values, 'index')
    // The cosmos HD path with another address index, as `pocketd keys add --index`.
    const atIndex = (i: number) => COSMOS_HD_PATH.replace(/\d+$/, String(i))
    const hdPath =
      stringOption(values, 'hd-path') ?? (index === undefined ? undefined : atIndex(index))
    const entry =
      hex !== undefined
        ? {
            name,
            privateKey: privateKeyToHex(privateKeyFromHex(hex.replace(/^0x/i, ''))),
            test: false,
          }
        : await keyFromMnemonic(name, mnemonic!, hdPath)
    const key = ctx.keyring.add(entry, { overwrite: values['overwrite'] === true })
    if (ctx.json) return ctx.out.json({ name, address: key.address, test: key.test })
    ctx.out.line(`${name}  ${key.address}  ${label(key)}`.trimEnd())
  },
}

const importTest: Command = {
  path: ['keys', 'import-test'],
  usage: '[name...] [--overwrite]',
  summary: "import the devnet's funded TEST accounts (public keys: for local networks only)",
  options: { overwrite: { type: 'boolean' } },
  async run({ args, values, ctx }) {
    const { defaultAccounts, deriveKey, TEST_MNEMONIC, testKeyPath } = await import('@decai/devnet')
    const wanted = args.length > 0 ? new Set(args) : undefined
    const rows: string[][] = []
    for (const account of defaultAccounts) {
      if (wanted && !wanted.has(account.name)) continue
      if (ctx.keyring.has(account.name) && values['overwrite'] !== true) continue
      const derived = deriveKey(TEST_MNEMONIC, account.index!)
      const key = ctx.keyring.add(
        {
          name: account.name,
          privateKey: privateKeyToHex(derived.privateKey),
          mnemonic: TEST_MNEMONIC,
          hdPath: testKeyPath(account.index!),
          test: true,
        },
        { overwrite: true },
      )
      rows.push([key.name, key.address, 'TEST'])
    }
    if (ctx.json)
      return ctx.out.json(rows.map(([name, address]) => ({ name, address, test: true })))
    for (const line of table(rows)) ctx.out.line(line)
    ctx.out.note(
      `${rows.length} TEST keys imported into ${ctx.keyring.dir}. Their keys are public.`,
    )
  },
}

const list: Command = {
  path: ['keys', 'list'],
  usage: '',
  summary: 'list the keys of the keyring',
  async run({ ctx }) {
    const keys = ctx.keyring.list()
    if (ctx.json)
      return ctx.out.json(keys.map(({ name, address, test }) => ({ name, address, test })))
    if (keys.length === 0)
      return ctx.out.note(`No keys in ${ctx.keyring.dir} (decai keys add <name>).`)
    for (const line of table(keys.map((k) => [k.name, k.address, label(k)])))
      ctx.out.line(line.trimEnd())
  },
}

const show: Command = {
  path: ['keys', 'show'],
  usage: '<name> [--private]',
  summary: "a key's address (and with --private, its private key and mnemonic)",
  options: { private: { type: 'boolean' } },
  async run({ args, values, ctx }) {
    const key = ctx.keyring.get(argument(args, 0, 'name'))
    const secret = values['private'] === true
    if (ctx.json)
      return ctx.out.json({
        name: key.name,
        address: key.address,
        test: key.test,
        ...(secret ? { privateKey: key.privateKey, mnemonic: key.mnemonic } : {}),
      })
    ctx.out.line(key.address)
    if (key.test) ctx.out.note('TEST key: derived from the public TEST mnemonic.')
    if (secret) {
      ctx.out.line(`private key: ${key.privateKey}`)
      if (key.mnemonic) ctx.out.line(`mnemonic:    ${key.mnemonic}`)
    }
  },
}

const remove: Command = {
  path: ['keys', 'delete'],
  usage: '<name>',
  summary: 'delete a key from the keyring',
  async run({ args, ctx }) {
    const name = argument(args, 0, 'name')
    if (isAddress(name)) throw usageError('Give the key name, not its address.')
    ctx.keyring.delete(name)
    ctx.out.line(`deleted ${name}`)
  },
}

export const keysCommands = [add, importKey, importTest, list, show, remove]
