// Writes grammar/diagrams.html: railroad diagrams generated from the parser itself.
import { writeFileSync } from 'node:fs';
import { renderDiagrams } from '../src/language/diagrams.js';

writeFileSync(new URL('../grammar/diagrams.html', import.meta.url), renderDiagrams());
console.log('wrote grammar/diagrams.html');
