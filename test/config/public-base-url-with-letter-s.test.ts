import t from 'tap'
import { loadConfig } from '../../src/config/load.js'

// The URL patterns were once written '[^\s]' in a plain string, which JavaScript reads as
// '[^s]': every URL containing the letter s (localhost, https) was refused at start.
t.test('URL settings accept URLs containing "s" and refuse whitespace', async (t) => {
  for (const url of ['http://localhost:4455', 'https://staging.example.com/lan']) {
    t.equal(loadConfig({ PUBLIC_BASE_URL: url }).PUBLIC_BASE_URL, url, `PUBLIC_BASE_URL ${url}`)
    t.equal(loadConfig({ AGENT_DOWNLOAD_BASE_URL: url }).AGENT_DOWNLOAD_BASE_URL, url,
      `AGENT_DOWNLOAD_BASE_URL ${url}`)
  }
  t.throws(() => loadConfig({ PUBLIC_BASE_URL: 'http://exa mple.com' }), /PUBLIC_BASE_URL/,
    'whitespace is still refused')
})
