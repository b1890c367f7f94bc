-- sif-eval: Word custom styles that Typst should show the same way.
-- A Div with custom-style="Title" is the document's title written in the body
-- (a tjänsteskrivelse puts its header fields above the title); "Huvud" is the
-- small header text above it. Word gets the styles from reference.docx.
local typst_wrap = {
  Title = { '#block(above: 1.2em, below: 1em)[#text(size: 18pt, weight: "bold")[', ']]' },
  Huvud = { '#block(below: 0.8em)[#text(size: 10pt)[', ']]' },
}

-- A Div with class "innehall" is where the table of contents goes: after the
-- first page's header fields (title, date, committee, Dnr, handläggare), as in
-- the seeds, rather than straight after the title.
local toc_docx = [[<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>Innehåll</w:t></w:r></w:p><w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/><w:instrText xml:space="preserve"> TOC \o "1-2" \h \z \u </w:instrText><w:fldChar w:fldCharType="separate"/><w:fldChar w:fldCharType="end"/></w:r></w:p></w:sdtContent></w:sdt><w:p><w:r><w:br w:type="page"/></w:r></w:p>]]

function Div(el)
  if el.classes:includes("innehall") then
    if FORMAT:match("typst") then
      return pandoc.RawBlock("typst", "#outline(title: [Innehåll], depth: 2)\n#pagebreak(weak: true)")
    elseif FORMAT:match("docx") then
      return pandoc.RawBlock("openxml", toc_docx)
    end
    return {}
  end
  local style = el.attributes["custom-style"]
  if FORMAT:match("typst") and style and typst_wrap[style] then
    local w = typst_wrap[style]
    local out = { pandoc.RawBlock("typst", w[1]) }
    for _, b in ipairs(el.content) do table.insert(out, b) end
    table.insert(out, pandoc.RawBlock("typst", w[2]))
    return out
  end
end
