import { parse } from '../src/language/parse.js';
import { FlowLexer } from '../src/language/tokens.js';
import { flowParser } from '../src/language/parser.js';
function flowText(i: number): string {
  return `# flow ${i}: persons changed since the last run
flow persons_${i} {
  schedule every 15m
  source pipedrive.persons where limit = ${100 + i} and first_char = "a" since ~{CreatedDate}~
    -> filter primary(email) != null and active_flag == true
    -> lookup owner = pipedrive.users.find where term = owner_name
    -> map { id: id, name: name, email: lower(primary(email)), owner: owner.name ?? "nobody", n: open_deals_count + 1 }
    -> dedupe by email
    -> dest file.jsonl with path = "out/p${i}.jsonl"
}

`;
}
let text=''; for (let i=0;i<910;i++) text+=flowText(i);
for (let k=0;k<10;k++){
let t0=performance.now(); const lx=FlowLexer.tokenize(text); const t1=performance.now();
const p=flowParser(); p.input=lx.tokens; p.file(); const t2=performance.now();
parse(text); const t3=performance.now();
console.log('lex',(t1-t0).toFixed(1),'parse(cst, one chunk)',(t2-t1).toFixed(1),'full',(t3-t2).toFixed(1), 'tokens', lx.tokens.length);
}
