import { expect, it } from 'vitest'
import * as actions from '../src/actions.js'
import * as api from '../src/index.js'

// Any change to the public surface shows up here in review.
it('exports a stable API', () => {
  expect(Object.keys(api).sort()).toMatchSnapshot()
})

// `@decai/chain/actions`: the read-only client's methods as standalone functions.
it('exports the standalone actions', () => {
  expect(Object.keys(actions).sort()).toMatchSnapshot()
})
