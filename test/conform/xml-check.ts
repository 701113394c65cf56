/**
 * A small XML well-formedness check for the JUnit output (no XML parser is installed): one root,
 * properly nested and closed elements, quoted attributes, no raw `<` or stray `&` in text or
 * attribute values. Returns the problems (empty when well-formed) and the element names in order.
 */
export function checkXml(xml: string): { problems: string[]; elements: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  const stack: string[] = [];
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  if (rest === xml) problems.push('no XML declaration');
  let roots = 0;
  const ENTITY = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    if (ENTITY.test(text)) problems.push(`stray & in text near ${JSON.stringify(text.slice(0, 40))}`);
    if (stack.length === 0 && text.trim() !== '') problems.push(`text outside the root: ${JSON.stringify(text.slice(0, 40))}`);
    if (lt === -1) break;
    rest = rest.slice(lt);
    const gt = rest.indexOf('>');
    if (gt === -1) {
      problems.push('unterminated tag');
      break;
    }
    const tag = rest.slice(0, gt + 1);
    rest = rest.slice(gt + 1);
    const close = /^<\/([A-Za-z_][\w.-]*)\s*>$/.exec(tag);
    if (close) {
      const open = stack.pop();
      if (open !== close[1]) problems.push(`</${close[1]}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const m = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>$/.exec(tag);
    if (!m) {
      problems.push(`malformed tag ${JSON.stringify(tag.slice(0, 80))}`);
      continue;
    }
    for (const value of m[2]!.matchAll(/="([^"]*)"/g)) if (ENTITY.test(value[1]!)) problems.push(`stray & in attribute of <${m[1]}>`);
    elements.push(m[1]!);
    if (stack.length === 0) roots += 1;
    if (m[3] !== '/') stack.push(m[1]!);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`expected one root element, found ${roots}`);
  return { problems, elements };
}
