// x/proof query service, keyed by gRPC method path.

import { create } from '@decai/protocol'
import * as proofQuery from '@decai/protocol/gen/pocket/proof/query_pb'
import { ClaimSchema, ProofSchema } from '@decai/protocol/gen/pocket/proof/types_pb'
import { grpcError } from '../../app/abci-error.js'
import { accAddressError } from '../../app/bech32-errors.js'
import { proofErrors } from '../../app/chain-errors.js'
import { decode } from '../../app/codec.js'
import { withPageStatus } from '../../app/pagination.js'
import { type QueryRoute, queryRoute } from '../../app/query-router.js'
import { getParams } from '../params.js'
import { getClaim, getProof, pageRecords } from './keeper.js'

function validateRecordRequest(
  req: { sessionId: string; supplierOperatorAddress: string },
  what: string,
): void {
  const problem = accAddressError(req.supplierOperatorAddress)
  if (problem) {
    throw grpcError(
      'InvalidArgument',
      proofErrors.invalidAddress.wrap(
        `invalid supplier operator address for ${what} being retrieved ${req.supplierOperatorAddress}; (${problem})`,
      ),
    )
  }
  if (req.sessionId === '') {
    throw grpcError(
      'InvalidArgument',
      proofErrors.invalidSessionId.wrap(`invalid empty session ID for ${what} being retrieved`),
    )
  }
}

/**
 * The store filter of a list request. `AllProofs` validates the filter first
 * (`QueryAllProofsRequest.ValidateBasic`); `AllClaims` does not call its request's check, so a
 * malformed address matches nothing and an empty session ID matches every claim, as upstream.
 */
function recordFilter(
  filter: proofQuery.QueryAllClaimsRequest['filter'],
  kind: 'claim' | 'proof',
  validate: boolean,
) {
  switch (filter.case) {
    case 'supplierOperatorAddress': {
      const problem = validate ? accAddressError(filter.value) : undefined
      if (problem) {
        throw grpcError(
          'InvalidArgument',
          proofErrors.invalidAddress.wrap(
            `invalid supplier operator address for ${kind}s being retrieved ${filter.value}; (${problem})`,
          ),
        )
      }
      return { supplier: filter.value }
    }
    case 'sessionId':
      if (validate && filter.value === '')
        throw grpcError(
          'InvalidArgument',
          proofErrors.invalidSessionId.wrap(
            `invalid empty session ID for ${kind}s being retrieved`,
          ),
        )
      return { sessionId: filter.value }
    case 'sessionEndHeight':
      return { sessionEndHeight: filter.value }
    default:
      return {}
  }
}

/** The proof module's query service, keyed by gRPC method path. */
export const proofQueries: readonly QueryRoute[] = [
  queryRoute(
    '/pocket.proof.Query/Params',
    proofQuery.QueryParamsRequestSchema,
    proofQuery.QueryParamsResponseSchema,
    (ctx) => create(proofQuery.QueryParamsResponseSchema, { params: getParams(ctx, 'proof') }),
  ),
  queryRoute(
    '/pocket.proof.Query/Claim',
    proofQuery.QueryGetClaimRequestSchema,
    proofQuery.QueryGetClaimResponseSchema,
    (ctx, req) => {
      validateRecordRequest(req, 'claim')
      const claim = getClaim(ctx, req.sessionId, req.supplierOperatorAddress)
      if (!claim) {
        throw grpcError(
          'NotFound',
          proofErrors.claimNotFound.wrap(
            `session ID "${req.sessionId}" and supplier "${req.supplierOperatorAddress}"`,
          ),
        )
      }
      return create(proofQuery.QueryGetClaimResponseSchema, { claim })
    },
  ),
  queryRoute(
    '/pocket.proof.Query/Proof',
    proofQuery.QueryGetProofRequestSchema,
    proofQuery.QueryGetProofResponseSchema,
    (ctx, req) => {
      validateRecordRequest(req, 'proof')
      const proof = getProof(ctx, req.sessionId, req.supplierOperatorAddress)
      if (!proof) {
        throw grpcError(
          'NotFound',
          proofErrors.proofNotFound.wrap(
            `session ID "${req.sessionId}" and supplier "${req.supplierOperatorAddress}"`,
          ),
        )
      }
      return create(proofQuery.QueryGetProofResponseSchema, { proof })
    },
  ),
  queryRoute(
    '/pocket.proof.Query/AllClaims',
    proofQuery.QueryAllClaimsRequestSchema,
    proofQuery.QueryAllClaimsResponseSchema,
    (ctx, req) => {
      const filter = recordFilter(req.filter, 'claim', false)
      const { records, pagination } = withPageStatus('Internal', () =>
        pageRecords(ctx, 'claim', filter, req.pagination),
      )
      return create(proofQuery.QueryAllClaimsResponseSchema, {
        claims: records.map((b) => decode(ClaimSchema, b)),
        pagination,
      })
    },
  ),
  queryRoute(
    '/pocket.proof.Query/AllProofs',
    proofQuery.QueryAllProofsRequestSchema,
    proofQuery.QueryAllProofsResponseSchema,
    (ctx, req) => {
      // Upstream formats the height filter as decimal text against binary keys, so it matches nothing.
      const filter =
        req.filter.case === 'sessionEndHeight'
          ? { sessionEndHeight: req.filter.value.toString() }
          : recordFilter(req.filter, 'proof', true)
      const { records, pagination } = withPageStatus('Internal', () =>
        pageRecords(ctx, 'proof', filter, req.pagination),
      )
      return create(proofQuery.QueryAllProofsResponseSchema, {
        proofs: records.map((b) => decode(ProofSchema, b)),
        pagination,
      })
    },
  ),
]
