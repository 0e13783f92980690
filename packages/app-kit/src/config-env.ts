// `${NAME}` in config files: the apps read secrets (keys, tokens) from the environment this way.

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment variable; an unset
 * variable is the error `onMissing` makes (each app raises its own config error).
 */
export function expandEnvVariables(
  value: unknown,
  env: NodeJS.ProcessEnv,
  onMissing: (name: string) => Error,
): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name]
      if (v === undefined) throw onMissing(name)
      return v
    })
  if (Array.isArray(value)) return value.map((v) => expandEnvVariables(v, env, onMissing))
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnvVariables(v, env, onMissing)]),
    )
  return value
}
