import { ApiError } from '../errors/api-error.js'
import type { Directory, User } from '../directory/directory.js'
import type { TokenService } from '../jwks/tokens.js'
import { readCredential, type CredentialHeaders } from './credentials.js'

/** Who is calling: a dashboard user (API key or session) or a LAN agent (agent JWT). */
export type Principal =
  | { kind: 'user'; userId: string; orgIds: string[]; via: 'api_key' | 'session' }
  | {
      kind: 'agent'
      userId: string
      orgIds: string[]
      /** The only integration this agent may touch, when its token names one. */
      integrationId: string | null
    }

export interface AuthenticateOptions {
  /** Operations only a user may call answer 401 to an agent token. */
  allowAgent: boolean
}

function unauthorized(code: 'unauthenticated' | 'invalid_credentials', message: string) {
  return new ApiError(code, message)
}

export async function authenticate(
  headers: CredentialHeaders,
  directory: Directory,
  tokens: TokenService,
  options: AuthenticateOptions,
): Promise<Principal> {
  const credential = readCredential(headers)
  switch (credential.kind) {
    case 'none':
      throw unauthorized(
        'unauthenticated',
        'Send an API key (X-API-Key or Authorization: Bearer), a session cookie or an agent token.',
      )
    case 'malformed':
      throw unauthorized('invalid_credentials', credential.reason)
    case 'api_key':
      return userPrincipal(directory.userByApiKey(credential.secret), 'api_key', 'API key')
    case 'session':
      return userPrincipal(directory.userBySession(credential.value), 'session', 'session')
    case 'jwt': {
      if (!options.allowAgent) {
        throw unauthorized(
          'invalid_credentials',
          'This operation needs an API key or a session; agent tokens are not accepted.',
        )
      }
      const claims = await tokens.verifyAgentToken(credential.token)
      return {
        kind: 'agent',
        userId: claims.sub,
        orgIds: claims.orgs,
        integrationId: claims.integration_id,
      }
    }
  }
}

function userPrincipal(
  user: User | undefined,
  via: 'api_key' | 'session',
  what: string,
): Principal {
  if (!user) throw unauthorized('invalid_credentials', `The ${what} is not recognised.`)
  return { kind: 'user', userId: user.id, orgIds: user.orgIds, via }
}
