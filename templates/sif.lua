-- sif-eval: Word custom styles that Typst should show the same way.
-- A Div with custom-style="Title" is the document's title written in the body
-- (a tjänsteskrivelse puts its header fields above the title); "Huvud" is the
-- small header text above it. Word gets the styles from reference.docx.
local typst_wrap = {
  Title = { '#block(above: 1.2em, below: 1em)[#text(size: 18pt, weight: "bold")[', ']]' },
  Huvud = { '#block(below: 0.8em)[#text(size: 10pt)[', ']]' },
}

function Div(el)
  local style = el.attributes["custom-style"]
  if FORMAT:match("typst") and style and typst_wrap[style] then
    local w = typst_wrap[style]
    local out = { pandoc.RawBlock("typst", w[1]) }
    for _, b in ipairs(el.content) do table.insert(out, b) end
    table.insert(out, pandoc.RawBlock("typst", w[2]))
    return out
  end
end
