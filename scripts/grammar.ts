// Writes grammar/diagrams.html: railroad diagrams generated from the parser itself.
import { writeFileSync } from 'node:fs';
import { renderDiagrams } from '../src/language/diagrams.js';

writeFileSync('grammar/diagrams.html', renderDiagrams());
console.log('wrote grammar/diagrams.html');
