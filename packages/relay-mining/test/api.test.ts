import { expect, it } from 'vitest'
import * as api from '../src/index.js'
import * as sqlite from '../src/sqlite/index.js'

// Any change to the public surface shows up here in review.
it('exports a stable API', () => {
  expect(Object.keys(api).sort()).toMatchSnapshot()
})

it('exports a stable ./sqlite API', () => {
  expect(Object.keys(sqlite).sort()).toMatchSnapshot()
})
