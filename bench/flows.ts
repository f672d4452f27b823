// The flow the language benchmarks repeat: every construct a real file has, checking clean.
export function flowText(i: number): string {
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
