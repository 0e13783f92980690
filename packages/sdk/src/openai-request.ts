import * as z from 'zod/mini'

// The one runtime schema of the OpenAI requests DecAI serves (chat completions, completions,
// embeddings): `createClient` checks a request with it before it signs and pays for a relay, and
// the gateway checks every request with it before it relays anything. The request types are
// inferred from it, so the check and the types cannot drift apart.
//
// What it refuses is what OpenAI, vLLM and llama.cpp's server all refuse: wrong types, an empty
// `messages`, unknown roles, token counts below 1 or not integers, sampling values out of range,
// malformed content parts, more than 4 stop sequences, `stream_options` without `stream`. Fields
// it does not know pass through untouched (every OpenAI-compatible server has extensions), and a
// content part of a type it does not know only needs its `type`. Built on `zod/mini`, the
// tree-shakeable form of zod 4, so a browser bundle carries only the checks used here.

/** The roles OpenAI accepts (`function` is deprecated, still accepted). */
export const chatCompletionRoles = [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
] as const

export type ChatCompletionRole = (typeof chatCompletionRoles)[number]

/** OpenAI's limit on stop sequences. */
export const MAX_STOP_SEQUENCES = 4

const nullish = z.nullish
const integer = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.gte(min)) : z.int().check(z.gte(min), z.lte(max))
const between = (min: number, max: number) => z.number().check(z.gte(min), z.lte(max))
const tokenIds = z.array(z.int())

// --- content parts ---------------------------------------------------------------------------

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() })
const refusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    url: z.string(),
    detail: z.optional(z.enum(['auto', 'low', 'high'])),
  }),
})
const audioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
})
const filePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({
    file_data: z.optional(z.string()),
    file_id: z.optional(z.string()),
    filename: z.optional(z.string()),
  }),
})
const knownPartTypes = new Set(['text', 'refusal', 'image_url', 'input_audio', 'file'])
// vLLM and others add their own part types (`video_url`, `audio_url`, ...): they pass with a type.
const knownPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart])
const otherPart = z.looseObject({
  // `abort` makes this a failed branch for the union, not a near match.
  type: z.string().check(z.refine((type) => !knownPartTypes.has(type), { abort: true })),
})

export type ChatCompletionContentPartText = z.infer<typeof textPart>
export type ChatCompletionContentPart =
  | ChatCompletionContentPartText
  | z.infer<typeof refusalPart>
  | z.infer<typeof imagePart>
  | z.infer<typeof audioPart>
  | z.infer<typeof filePart>
  | z.infer<typeof otherPart>

const CONTENT = 'a string or an array of content parts'
const contentOf = <Part extends z.ZodMiniType>(parts: Part) =>
  z.union([z.string(), z.array(parts)], CONTENT)
const textContent = contentOf(textPart)
const userContent = contentOf(z.union([knownPart, otherPart], 'a content part'))
const assistantContent = contentOf(
  z.union([z.discriminatedUnion('type', [textPart, refusalPart]), otherPart], 'a content part'),
)

// --- messages --------------------------------------------------------------------------------

const toolCall = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.optional(z.looseObject({ name: z.string(), arguments: z.string() })),
})

const messageSchema = z.discriminatedUnion('role', [
  z.looseObject({
    role: z.literal('system'),
    content: textContent,
    name: z.optional(z.string()),
  }),
  z.looseObject({
    role: z.literal('developer'),
    content: textContent,
    name: z.optional(z.string()),
  }),
  z.looseObject({
    role: z.literal('user'),
    content: userContent,
    name: z.optional(z.string()),
  }),
  z.looseObject({
    role: z.literal('assistant'),
    content: nullish(assistantContent),
    name: z.optional(z.string()),
    refusal: nullish(z.string()),
    tool_calls: nullish(z.array(toolCall)),
  }),
  z.looseObject({
    role: z.literal('tool'),
    content: textContent,
    tool_call_id: z.string(),
  }),
  z.looseObject({
    role: z.literal('function'),
    content: z.nullable(z.string()),
    name: z.string(),
  }),
])

/** One chat message, by role. */
export type ChatCompletionMessageParam = z.infer<typeof messageSchema>

// --- the requests ----------------------------------------------------------------------------

const stop = z.union([z.string(), z.array(z.string()).check(z.maxLength(MAX_STOP_SEQUENCES))], {
  error: `a string or an array of at most ${MAX_STOP_SEQUENCES} strings`,
})

// The sampling fields chat and completions share, with OpenAI's ranges.
// `model` comes first everywhere: issues are reported in field order, and the gateway reports a
// bad `model` before anything else. Optional request fields take `null` as "not given", as
// OpenAI's API does.
const samplingFields = {
  /** The model id; a supplier serving one model accepts it or no model at all. */
  model: nullish(z.string()),
  temperature: nullish(between(0, 2)),
  top_p: nullish(between(0, 1)),
  n: nullish(integer(1, 128)),
  seed: nullish(z.int()),
  stop: nullish(stop),
  frequency_penalty: nullish(between(-2, 2)),
  presence_penalty: nullish(between(-2, 2)),
  logit_bias: nullish(z.record(z.string(), between(-100, 100))),
  user: nullish(z.string()),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: z.optional(z.boolean()) })),
}

// OpenAI: "The 'stream_options' parameter is only allowed when 'stream' is enabled."
const streamOptionsNeedStream = z.refine<{
  stream?: boolean | null | undefined
  stream_options?: unknown
}>((request) => request.stream_options == null || request.stream === true, {
  message: "'stream_options' is only allowed when 'stream' is true.",
  path: ['stream_options'],
})

const functionTool = z.looseObject({
  type: z.string(),
  function: z.optional(
    z.looseObject({
      name: z.string(),
      description: z.optional(z.string()),
      parameters: z.optional(z.record(z.string(), z.unknown())),
      strict: nullish(z.boolean()),
    }),
  ),
})

const toolChoice = z.union(
  [z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })],
  "'none', 'auto', 'required' or an object naming a tool",
)

export const chatCompletionCreateParamsSchema = z
  .looseObject({
    ...samplingFields,
    messages: z.array(messageSchema).check(z.minLength(1)),
    max_tokens: nullish(integer(1)),
    max_completion_tokens: nullish(integer(1)),
    logprobs: nullish(z.boolean()),
    top_logprobs: nullish(integer(0, 20)),
    tools: nullish(z.array(functionTool)),
    tool_choice: nullish(toolChoice),
    parallel_tool_calls: nullish(z.boolean()),
    response_format: nullish(z.looseObject({ type: z.string() })),
  })
  .check(streamOptionsNeedStream)

export const completionCreateParamsSchema = z
  .looseObject({
    ...samplingFields,
    prompt: z.union(
      [z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)],
      'a string, an array of strings, an array of token IDs or an array of such arrays',
    ),
    // The legacy endpoint allows 0 (with `echo`, to score the prompt alone).
    max_tokens: nullish(integer(0)),
    echo: nullish(z.boolean()),
    best_of: nullish(integer(1, 20)),
    logprobs: nullish(integer(0, 5)),
    suffix: nullish(z.string()),
  })
  .check(streamOptionsNeedStream)

export const embeddingCreateParamsSchema = z.looseObject({
  model: nullish(z.string()),
  input: z.union(
    [z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)],
    'a string, an array of strings, an array of token IDs or an array of such arrays',
  ),
  encoding_format: nullish(z.enum(['float', 'base64'])),
  dimensions: nullish(integer(1)),
  user: nullish(z.string()),
})

export type ChatCompletionCreateParamsBase = z.infer<typeof chatCompletionCreateParamsSchema>
// Intersections, not `Omit`: the loose schemas' index signature would swallow every named field.
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParamsBase & {
  stream?: false | null
}
export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParamsBase & { stream: true }
export type ChatCompletionCreateParams =
  | ChatCompletionCreateParamsNonStreaming
  | ChatCompletionCreateParamsStreaming

export type CompletionCreateParamsBase = z.infer<typeof completionCreateParamsSchema>
export type CompletionCreateParamsNonStreaming = CompletionCreateParamsBase & {
  stream?: false | null
}
export type CompletionCreateParamsStreaming = CompletionCreateParamsBase & { stream: true }
export type CompletionCreateParams =
  | CompletionCreateParamsNonStreaming
  | CompletionCreateParamsStreaming

export type EmbeddingCreateParams = z.infer<typeof embeddingCreateParamsSchema>

// --- checking --------------------------------------------------------------------------------

/** The request kinds, by the OpenAI route that takes them. */
export type OpenAiRequestKind = 'chat' | 'completions' | 'embeddings'

const schemas = {
  chat: chatCompletionCreateParamsSchema,
  completions: completionCreateParamsSchema,
  embeddings: embeddingCreateParamsSchema,
} as const

type RequestOf = {
  chat: ChatCompletionCreateParams
  completions: CompletionCreateParams
  embeddings: EmbeddingCreateParams
}

/**
 * What is wrong with a request, as OpenAI reports it: a sentence, the field at fault in OpenAI's
 * notation (`messages[0].role`), and OpenAI's `code` for the kind of fault.
 */
export type OpenAiRequestIssue = {
  message: string
  param: string | null
  code: 'missing_required_parameter' | 'invalid_type' | 'invalid_value'
}

export type OpenAiRequestCheck<K extends OpenAiRequestKind> =
  | { ok: true; request: RequestOf[K] }
  | { ok: false; issue: OpenAiRequestIssue }

/**
 * Checks a request body against the schema of its route. On success `request` is the same
 * object, typed (unknown fields kept); otherwise `issue` describes the first fault found.
 */
export function checkOpenAiRequest<K extends OpenAiRequestKind>(
  kind: K,
  body: unknown,
): OpenAiRequestCheck<K> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return {
      ok: false,
      issue: {
        message: `The request body must be a JSON object, but got ${describeValue(body)}.`,
        param: null,
        code: 'invalid_type',
      },
    }
  const result = schemas[kind].safeParse(body)
  if (result.success) return { ok: true, request: body as RequestOf[K] }
  return { ok: false, issue: describeIssue(result.error.issues[0]!, body) }
}

type Issue = z.core.$ZodIssue

/** OpenAI's notation for a path: `messages[0].content[1].type`. */
function formatOpenAiParam(path: readonly PropertyKey[]): string | null {
  let out = ''
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`
  return out === '' ? null : out
}

function describeIssue(issue: Issue, body: unknown): OpenAiRequestIssue {
  // A union that failed in every branch: report the branch that got furthest (into the value,
  // or past its type), unless two got as far; else the union as a whole.
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const ranked = issue.errors
      .map((branch) => branch[0])
      .filter((first): first is Issue => first !== undefined)
      .map((first) => ({ first, progress: progressOf(first) }))
      .sort((a, b) => b.progress - a.progress)
    const [best, next] = ranked
    if (best && best.progress > 0 && best.progress !== next?.progress)
      return describeIssue(
        { ...best.first, path: [...issue.path, ...best.first.path] } as Issue,
        body,
      )
  }
  const param = formatOpenAiParam(issue.path)
  const name = `'${param ?? 'body'}'`
  const value = valueAt(body, issue.path)
  const got = describeValue(value)
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined)
        return {
          message: `Missing required parameter: ${name}.`,
          param,
          code: 'missing_required_parameter',
        }
      const expected = typeNames[issue.expected] ?? `a ${issue.expected}`
      return {
        message: `Invalid type for ${name}: expected ${expected}, but got ${got} instead.`,
        param,
        code: 'invalid_type',
      }
    }
    case 'invalid_union': {
      if (value === undefined)
        return {
          message: `Missing required parameter: ${name}.`,
          param,
          code: 'missing_required_parameter',
        }
      // A discriminated union names its options; a plain one carries what it expects as message.
      const discriminated = issue as Issue & { options?: unknown[]; discriminator?: string }
      if (discriminated.options)
        return {
          message: `Invalid value: ${got}. Supported values for ${name} are: ${listValues(discriminated.options)}.`,
          param,
          code: 'invalid_value',
        }
      return {
        message: `Invalid type for ${name}: expected ${issue.message}, but got ${got} instead.`,
        param,
        code: 'invalid_type',
      }
    }
    case 'invalid_value':
      return {
        message: `Invalid value: ${got}. Supported values for ${name} are: ${listValues(issue.values)}.`,
        param,
        code: 'invalid_value',
      }
    case 'too_small':
    case 'too_big': {
      const bound = `${issue.code === 'too_small' ? '>=' : '<='} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`
      const message =
        issue.origin === 'array'
          ? `Invalid ${name}: expected an array with ${issue.code === 'too_small' ? 'at least' : 'at most'} ${countItems(Number(issue.code === 'too_small' ? issue.minimum : issue.maximum))}, but got ${Array.isArray(value) && value.length === 0 ? 'an empty array' : countItems((value as unknown[]).length)} instead.`
          : `Invalid ${name}: expected a value ${bound}, but got ${String(value)} instead.`
      return { message, param, code: 'invalid_value' }
    }
    case 'custom':
      // The refinements here carry a whole sentence; the unknown-part-type one does not need to.
      return {
        message:
          issue.message === 'Invalid input' ? `Invalid value for ${name}: ${got}.` : issue.message,
        param,
        code: 'invalid_value',
      }
    default:
      return { message: `Invalid value for ${name}: ${got}.`, param, code: 'invalid_value' }
  }
}

// How far a union branch got: two points per path step into the value, one for getting past
// the type check, one less for a refinement (the catch-all content part refuses known types).
function progressOf(first: Issue): number {
  const pastType = first.code !== 'invalid_type' && first.code !== 'invalid_union' ? 1 : 0
  return first.path.length * 2 + pastType - (first.code === 'custom' ? 2 : 0)
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  null: 'null',
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/** A value for a message: `-5`, `'bot'`, `an array`, `an object`, `null`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`
    case 'number':
      return Number.isInteger(value) ? `an integer (${value})` : `a number (${value})`
    case 'boolean':
      return `a boolean (${value})`
    case 'object':
      return 'an object'
    default:
      return String(value)
  }
}

const countItems = (n: number) => `${n} ${n === 1 ? 'item' : 'items'}`

function listValues(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')
}
