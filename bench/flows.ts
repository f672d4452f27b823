// The flow the language benchmarks repeat: every construct a real file has, checking clean (on the
// default API version, auto: v2 persons).
export function flowText(i: number): string {
  return `# flow ${i}: persons changed since the last run
flow persons_${i} {
  schedule every 15m
  source pipedrive.persons where limit = ${100 + i} and owner_id = 3 since ~{CreatedDate}~
    -> filter primary(emails) != null and is_deleted == false
    -> lookup owner = pipedrive.users.find where term = name
    -> map { id: id, name: name, email: lower(primary(emails)), owner: owner.name ?? "nobody", n: len(name) + 1 }
    -> dedupe by email
    -> dest file.jsonl with path = "out/p${i}.jsonl"
}

`;
}
