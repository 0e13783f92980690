import { expect, it } from 'vitest'
import * as api from '../src/index.js'

// Any change to the public surface shows up here in review.
it('exports a stable API', () => {
  expect(Object.keys(api).sort()).toMatchSnapshot()
})
