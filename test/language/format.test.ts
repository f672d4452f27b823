import { describe, expect, it } from 'vitest';
import { format } from '../../src/language/format.js';

const fmt = (text: string) => {
  const r = format(text);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.text;
};

describe('canonical format', () => {
  it('breaks a one-line pipeline into one step per line', () => {
    expect(fmt('source pipedrive.persons where limit = 10 since ~<CreatedDate>~ -> map { name: name } -> dest file.jsonl with path = "out/p.jsonl"')).toBe(
      'source pipedrive.persons where limit = 10 since ~{CreatedDate}~\n  -> map { name: name }\n  -> dest file.jsonl with path = "out/p.jsonl"\n',
    );
  });

  it('indents flow blocks, keeps comments, puts long maps one entry per line', () => {
    const src = `# leads
flow   leads{schedule every 15m # often
source pipedrive.persons
# keep those with mail
-> filter primary(email)!=null
-> map { title: "Lead: " + name, person_id: id, owner_id: owner.id, note: "a long text that does not fit" }
-> dest pipedrive.leads}
# the end`;
    expect(fmt(src)).toBe(`# leads
flow leads {
  schedule every 15m  # often
  source pipedrive.persons
    # keep those with mail
    -> filter primary(email) != null
    -> map {
      title: "Lead: " + name,
      person_id: id,
      owner_id: owner.id,
      note: "a long text that does not fit",
    }
    -> dest pipedrive.leads
}
# the end
`);
  });

  it('removes redundant parentheses and keeps needed ones', () => {
    expect(fmt('source a.b -> filter ((a + b)) * c == (d) and (e or f) -> dest stdout')).toBe(
      'source a.b\n  -> filter (a + b) * c == d and (e or f)\n  -> dest stdout\n',
    );
  });

  it('normalises strings, numbers and templates', () => {
    expect(fmt('source a.b since ~< Now >~ -> map { "a": "\\u0041\\/", b: 1.50, c: 2e3 } -> dest stdout')).toBe(
      'source a.b since ~{Now}~\n  -> map { "a": "A/", b: 1.5, c: 2000 }\n  -> dest stdout\n',
    );
  });

  it('separates flows by one blank line', () => {
    expect(fmt('flow a { source x.y -> dest stdout }\n\n\n\nflow b { source x.y -> dest stdout }')).toBe(
      'flow a {\n  source x.y\n    -> dest stdout\n}\n\nflow b {\n  source x.y\n    -> dest stdout\n}\n',
    );
  });

  it('refuses a file with syntax errors, returning them', () => {
    const r = format('source a.b -> map { a: } -> dest stdout');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0].code).toBe('SL1010');
  });
});

describe('long if/then/else', () => {
  const f = (text: string) => {
    const r = format(text);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    return r.text;
  };

  it('is broken over lines in a map, like a long map, with else-if chains at one indent', () => {
    const src =
      'source pipedrive.deals -> map { tier: if value > 100000 then { level: "gold", discount: 15, note: "key account" } else if value > 10000 then { level: "silver", discount: 5 } else { level: "basic", discount: 0 } } -> dest stdout';
    const out = f(src);
    expect(out).toBe(`source pipedrive.deals
  -> map {
    tier: if value > 100000
      then { level: "gold", discount: 15, note: "key account" }
      else if value > 10000
      then { level: "silver", discount: 5 }
      else { level: "basic", discount: 0 },
  }
  -> dest stdout
`);
    expect(f(out)).toBe(out);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('in a filter', () => {
    const src = `source pipedrive.deals -> filter if status == "open" then value > 1000 and currency == "EUR" and owner_name != null else stage_id == 4 -> dest stdout`;
    expect(f(src)).toBe(`source pipedrive.deals
  -> filter if status == "open"
    then value > 1000 and currency == "EUR" and owner_name != null
    else stage_id == 4
  -> dest stdout
`);
  });

  it('a short one stays on its line', () => {
    expect(f('source pipedrive.deals -> map { a: if value > 1 then 1 else 0 } -> dest stdout')).toBe('source pipedrive.deals\n  -> map { a: if value > 1 then 1 else 0 }\n  -> dest stdout\n');
  });
});

describe('comments stay where they were written', () => {
  const f = (text: string) => {
    const r = format(text);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    return r.text;
  };

  it('own-line comments inside a flow block and a map stay on their own lines; trailing ones stay after their token, where the line then breaks', () => {
    const src = `flow a {  # the flow
  # runs often
  schedule every 15m
  source pipedrive.persons
    -> map {
      # first
      name: name,  # the name
      # last
    }  # after the map
    -> dest # a comment inside the step
      stdout
}  # the end
`;
    expect(f(src)).toBe(`flow a {  # the flow
  # runs often
  schedule every 15m
  source pipedrive.persons
    -> map {
      # first
      name: name,  # the name
      # last
    }  # after the map
    -> dest  # a comment inside the step
        stdout
}  # the end
`);
  });

  it('a comment inside a clause stays after its token: the line breaks there, and a second fmt keeps it', () => {
    const src = 'source pipedrive.persons where name = "Eva" # who\n  and org_id = 1\n  -> dest pipedrive.persons upsert # how\n by email';
    const once = f(src);
    expect(once).toBe(`source pipedrive.persons where name = "Eva"  # who
    and org_id = 1
  -> dest pipedrive.persons upsert  # how
      by email
`);
    expect(f(once)).toBe(once);
  });

  it('a comment on its own line between two tokens of a line stays on its own line there', () => {
    const once = f('source pipedrive.persons -> map { a: 1 +\n# why\n2 } -> dest stdout');
    expect(once).toBe(`source pipedrive.persons
  -> map {
    a: 1 +
        # why
        2,
  }
  -> dest stdout
`);
    expect(f(once)).toBe(once);
  });

  it('a trailing comment after a one-line map stays after its closing brace', () => {
    expect(f('source pipedrive.persons -> map { a: id } # done\n-> dest stdout')).toBe('source pipedrive.persons\n  -> map { a: id }  # done\n  -> dest stdout\n');
  });
});
