import { describe, expect, it } from 'vitest'
import { formatSseError, inspectChunk, SseParser } from '../src/sse.js'

describe('SseParser', () => {
  it('splits events across any chunking and keeps their bytes', () => {
    const text =
      'data: {"a":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\r\ndata: x\r\n\r\ndata: [DONE]\n\n'
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser()
      const events = []
      for (let i = 0; i < text.length; i += size)
        events.push(...parser.push(text.slice(i, i + size)))
      expect(events.map((e) => e.raw).join('')).toBe(text)
      expect(events.map((e) => e.data)).toEqual([
        '{"a":1}',
        undefined,
        'line1\nline2',
        'x',
        '[DONE]',
      ])
      expect(parser.flush()).toBeUndefined()
    }
  })

  it('returns an unterminated last event on flush', () => {
    const parser = new SseParser()
    expect(parser.push('data: {"b":2}\n')).toEqual([])
    expect(parser.flush()).toEqual({ raw: 'data: {"b":2}\n', data: '{"b":2}' })
  })
})

describe('inspectChunk', () => {
  it('reads content, usage, usage-only chunks, errors and [DONE]', () => {
    const role = inspectChunk(
      '{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}',
    )
    expect(role).toMatchObject({ hasContent: false, usage: undefined, usageOnly: false })
    expect(inspectChunk('{"choices":[{"delta":{"content":"Hi"}}]}').hasContent).toBe(true)
    expect(inspectChunk('{"choices":[{"text":"Hi"}]}').hasContent).toBe(true)
    expect(inspectChunk('{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}').hasContent).toBe(
      true,
    )
    const usage = inspectChunk(
      '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}',
    )
    expect(usage).toMatchObject({
      usageOnly: true,
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
    })
    expect(inspectChunk('{"error":{"message":"boom"}}').error).toEqual({ message: 'boom' })
    expect(inspectChunk(' [DONE]').done).toBe(true)
    expect(inspectChunk('not json')).toMatchObject({ done: false, hasContent: false })
  })
})

describe('formatSseError', () => {
  it('is an OpenAI error event followed by [DONE]', () => {
    const text = formatSseError({ message: 'stopped', type: 'server_error', code: 'x' })
    const parser = new SseParser()
    const events = parser.push(text)
    expect(JSON.parse(events[0]!.data!)).toEqual({
      error: { message: 'stopped', type: 'server_error', code: 'x', param: null },
    })
    expect(events[1]!.data).toBe('[DONE]')
  })
})
