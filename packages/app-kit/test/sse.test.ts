import { describe, expect, it } from 'vitest'
import { formatSseEvent, SseParser } from '../src/index.js'

function parseInPieces(text: string, size: number) {
  const parser = new SseParser()
  const events = []
  for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)))
  events.push(...parser.flush())
  return events
}

describe('SseParser', () => {
  const text =
    'data: {"a":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\r\ndata: x\r\n\r\nevent: note\nid: 7\ndata: y\r\rdata: [DONE]\n\n'

  it('splits events the same way for every chunk size, LF, CRLF and CR alike', () => {
    for (let size = 1; size <= text.length; size++) {
      const events = parseInPieces(text, size)
      expect(events.map((e) => e.data)).toEqual([
        '{"a":1}',
        undefined,
        'line1\nline2',
        'x',
        'y',
        '[DONE]',
      ])
      expect(events[4]).toMatchObject({ event: 'note', id: '7' })
    }
  })

  it('forwards each event in canonical form, comments included', () => {
    expect(
      parseInPieces(text, 5)
        .map((e) => e.raw)
        .join(''),
    ).toBe(
      'data: {"a":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\ndata: x\n\nevent: note\nid: 7\ndata: y\n\ndata: [DONE]\n\n',
    )
  })

  it('keeps an OpenAI stream byte for byte', () => {
    const stream =
      'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n'
    expect(
      parseInPieces(stream, 7)
        .map((e) => e.raw)
        .join(''),
    ).toBe(stream)
  })

  it('returns an unterminated last event on flush, and nothing twice', () => {
    const parser = new SseParser()
    expect(parser.push('data: {"b":2}\ndata: c')).toEqual([])
    expect(parser.flush()).toEqual([{ raw: 'data: {"b":2}\ndata: c\n\n', data: '{"b":2}\nc' }])
    expect(parser.flush()).toEqual([])
  })

  it('splits a multi-byte character only where the caller decodes', () => {
    const bytes = new TextEncoder().encode('data: héllo 🌍\n\n')
    const decoder = new TextDecoder()
    const parser = new SseParser()
    const events = []
    for (const b of bytes)
      events.push(...parser.push(decoder.decode(Uint8Array.of(b), { stream: true })))
    expect(events.map((e) => e.data)).toEqual(['héllo 🌍'])
  })
})

describe('formatSseEvent', () => {
  it('writes one data line per line of data', () => {
    expect(formatSseEvent({ data: 'a\nb', event: 'e' })).toBe('event: e\ndata: a\ndata: b\n\n')
    expect(formatSseEvent({ data: '[DONE]' })).toBe('data: [DONE]\n\n')
  })
})
