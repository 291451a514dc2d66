// A Swagger UI plugin for /docs, loaded only while the dev seed is in use. Once the OpenAPI
// document has loaded, it authorizes `bearer_auth` with the dev API key that the server put in
// the UI configuration (`lanAgentPrefill`), as if the reader had typed it under "Authorize".
// The X-Org and integration_id inputs are filled from examples in the document instead.
'use strict'

window.lanAgentDocsPrefill = function lanAgentDocsPrefill() {
  let applied = false
  return {
    statePlugins: {
      spec: {
        wrapActions: {
          updateJsonSpec: (original, system) => (...args) => {
            const result = original(...args)
            const prefill = system.getConfigs().lanAgentPrefill
            if (!applied && prefill && typeof prefill.apiKey === 'string') {
              applied = true
              // After the document is in the store: the scheme is looked up there.
              setTimeout(() => system.preauthorizeApiKey('bearer_auth', prefill.apiKey), 0)
            }
            return result
          },
        },
      },
    },
  }
}
