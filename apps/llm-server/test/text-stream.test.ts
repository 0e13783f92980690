import { describe, expect, it } from 'vitest'
import { TextStream } from '../src/text-stream.js'

// Feeds growing text the way a generation does and collects what would be sent.
function play(stops: string[], steps: string[]) {
  const stream = new TextStream(stops)
  const deltas: string[] = []
  let stopped = false
  for (const text of steps) {
    const update = stream.update(text)
    if (update.delta) deltas.push(update.delta)
    if (update.stopped) {
      stopped = true
      break
    }
  }
  if (!stopped) {
    const rest = stream.finish(steps.at(-1) ?? '')
    if (rest) deltas.push(rest)
  }
  return { deltas, stopped, text: stream.text }
}

describe('TextStream', () => {
  it('passes text through as it grows when there are no stops', () => {
    expect(play([], ['He', 'Hello', 'Hello world'])).toEqual({
      deltas: ['He', 'llo', ' world'],
      stopped: false,
      text: 'Hello world',
    })
  })

  it('cuts at a stop sequence and never sends any of it', () => {
    const result = play(['END'], ['abc', 'abcE', 'abcEN', 'abcEND', 'abcENDxyz'])
    expect(result).toEqual({ deltas: ['abc'], stopped: true, text: 'abc' })
  })

  it('releases a held-back prefix once it can no longer become a stop', () => {
    const result = play(['END'], ['abE', 'abEx', 'abExy'])
    expect(result.deltas).toEqual(['ab', 'Ex', 'y'])
    expect(result.stopped).toBe(false)
  })

  it('stops at the earliest of several stop sequences', () => {
    expect(play(['\n\n', 'B'], ['xAB\n\n'])).toMatchObject({ text: 'xA', stopped: true })
  })

  it('holds back a partial UTF-8 character until it is complete', () => {
    const result = play([], ['caf', 'caf\uFFFD', 'café'])
    expect(result.deltas).toEqual(['caf', 'é'])
  })

  it('sends held-back text at the end of generation', () => {
    expect(play(['ENDING'], ['so EN']).deltas).toEqual(['so ', 'EN'])
  })
})
