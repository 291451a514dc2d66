import { writeFileSync } from 'node:fs'
import { README_PATH, assembleReadme } from './readme.js'

writeFileSync(README_PATH, assembleReadme())
process.stdout.write('wrote README.md\n')
