import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { argument, type Command, reportTx, requireOption } from '../command.js'
import { CliError, usageError } from '../errors.js'
import { formatPokt, table } from '../output.js'
import {
  parseApplicationStakeConfig,
  parseGatewayStakeConfig,
  parseSupplierStakeConfig,
} from '../stake-config.js'

const from = { from: { type: 'string' } } as const

const readConfig = (cwd: string, path: string): [string, string] => {
  const file = resolve(cwd, path)
  try {
    return [readFileSync(file, 'utf8'), path]
  } catch (cause) {
    throw new CliError('INVALID_CONFIG', `Cannot read ${path}.`, { cause })
  }
}

const serviceAdd: Command = {
  path: ['service', 'add'],
  usage: '<id> <name> [compute-units-per-relay] --from <key>',
  summary: 'register a service; the signer becomes its owner (the champion) and earns its share',
  options: from,
  async run({ args, values, ctx }) {
    const id = argument(args, 0, 'id')
    const name = argument(args, 1, 'name')
    const cupr = args[2] ?? '1'
    if (!/^\d+$/.test(cupr) || cupr === '0')
      throw usageError('compute-units-per-relay must be a positive integer.')
    const client = await ctx.signer(requireOption(values, 'from'))
    const tx = await client.addService({ id, name, computeUnitsPerRelay: BigInt(cupr) })
    reportTx(ctx, `service ${id} owned by ${client.address}`, tx)
  },
}

const serviceList: Command = {
  path: ['service', 'list'],
  usage: '',
  summary: 'the services on chain, with their owners',
  async run({ ctx }) {
    const services = await (await ctx.chain()).getServices()
    if (ctx.json)
      return ctx.out.json(
        services.map(({ id, name, computeUnitsPerRelay, ownerAddress }) => ({
          id,
          name,
          computeUnitsPerRelay,
          ownerAddress,
        })),
      )
    const rows = services.map((s) => [
      s.id,
      s.name,
      `${s.computeUnitsPerRelay} CU/relay`,
      s.ownerAddress,
    ])
    for (const line of table([['ID', 'NAME', 'PRICE', 'OWNER'], ...rows])) ctx.out.line(line)
  },
}

const stakeApp: Command = {
  path: ['stake', 'app'],
  usage: '--config <app.yaml> --from <key>',
  summary:
    "stake an application (pocketd's application stake config; gateway_addresses are delegated to)",
  options: { ...from, config: { type: 'string' } },
  async run({ values, ctx }) {
    const config = parseApplicationStakeConfig(
      ...readConfig(ctx.cwd, requireOption(values, 'config')),
    )
    const client = await ctx.signer(requireOption(values, 'from'))
    const tx = await client.stakeApplication({
      stake: config.stake,
      serviceIds: config.serviceIds,
      ...(config.perSessionSpendLimit === undefined
        ? {}
        : { perSessionSpendLimit: config.perSessionSpendLimit }),
    })
    reportTx(
      ctx,
      `application ${client.address} staked ${formatPokt(config.stake)} for ${config.serviceIds.join(', ')}`,
      tx,
    )
    for (const gatewayAddress of config.gatewayAddresses) {
      reportTx(
        ctx,
        `delegated to gateway ${gatewayAddress}`,
        await client.delegateToGateway({ gatewayAddress }),
      )
    }
  },
}

const stakeGateway: Command = {
  path: ['stake', 'gateway'],
  usage: '--config <gateway.yaml> --from <key>',
  summary: "stake a gateway (pocketd's gateway stake config)",
  options: { ...from, config: { type: 'string' } },
  async run({ values, ctx }) {
    const config = parseGatewayStakeConfig(...readConfig(ctx.cwd, requireOption(values, 'config')))
    const client = await ctx.signer(requireOption(values, 'from'))
    const tx = await client.stakeGateway({ stake: config.stake })
    reportTx(ctx, `gateway ${client.address} staked ${formatPokt(config.stake)}`, tx)
  },
}

const stakeSupplier: Command = {
  path: ['stake', 'supplier'],
  usage: '--config <supplier.yaml> --from <key>',
  summary: "stake a supplier (pocketd's supplier stake config; the owner or the operator signs)",
  options: { ...from, config: { type: 'string' } },
  async run({ values, ctx }) {
    const config = parseSupplierStakeConfig(...readConfig(ctx.cwd, requireOption(values, 'config')))
    const client = await ctx.signer(requireOption(values, 'from'))
    if (client.address !== config.ownerAddress && client.address !== config.operatorAddress)
      throw usageError('The signer must be the supplier owner or operator.', client.address)
    const tx = await client.stakeSupplier({
      stake: config.stake,
      ownerAddress: config.ownerAddress,
      operatorAddress: config.operatorAddress,
      services: config.services,
    })
    reportTx(
      ctx,
      `supplier ${config.operatorAddress} staked ${formatPokt(config.stake)} for ${config.services.map((s) => s.serviceId).join(', ') || '(stake only)'}`,
      tx,
    )
    if (!ctx.json) ctx.out.note('Service changes take effect at the next session start.')
  },
}

const delegate: Command = {
  path: ['delegate'],
  usage: '<gateway key or address> --from <application key>',
  summary: 'let a gateway sign relays for the application',
  options: from,
  async run({ args, values, ctx }) {
    const gatewayAddress = ctx.keyring.resolveAddress(argument(args, 0, 'gateway'))
    const client = await ctx.signer(requireOption(values, 'from'))
    reportTx(
      ctx,
      `${client.address} delegated to gateway ${gatewayAddress}`,
      await client.delegateToGateway({ gatewayAddress }),
    )
  },
}

const undelegate: Command = {
  path: ['undelegate'],
  usage: '<gateway key or address> --from <application key>',
  summary: 'stop a gateway signing for the application (from the next session)',
  options: from,
  async run({ args, values, ctx }) {
    const gatewayAddress = ctx.keyring.resolveAddress(argument(args, 0, 'gateway'))
    const client = await ctx.signer(requireOption(values, 'from'))
    reportTx(
      ctx,
      `${client.address} undelegated from gateway ${gatewayAddress}`,
      await client.undelegateFromGateway({ gatewayAddress }),
    )
  },
}

const balance: Command = {
  path: ['balance'],
  usage: '<key or address>',
  summary: 'an account balance',
  async run({ args, ctx }) {
    const address = ctx.keyring.resolveAddress(argument(args, 0, 'key or address'))
    const upokt = await (await ctx.chain()).getBalance({ address })
    if (ctx.json) return ctx.out.json({ address, upokt })
    ctx.out.line(`${formatPokt(upokt)}  (${upokt} upokt)  ${address}`)
  },
}

export const stakingCommands = [
  serviceAdd,
  serviceList,
  stakeApp,
  stakeGateway,
  stakeSupplier,
  delegate,
  undelegate,
  balance,
]
