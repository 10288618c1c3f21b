import { XMLParser } from 'fast-xml-parser';

const SOAP_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';

/** One element of the reply: local name, resolved namespace, text and children in order. */
export interface ReplyElement {
  readonly localName: string;
  readonly namespace: string;
  readonly text: string;
  readonly children: readonly ReplyElement[];
}

export interface GetTransactionReply {
  readonly responseElement: ReplyElement;
  /** Children of GetTransactionResult in document order, as [name, text]. */
  readonly resultFields: readonly (readonly [string, string])[];
  readonly responseStatus: string;
  readonly acknowledgement: string;
  readonly curBalance: string;
  readonly avlBalance: string;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
});

function toElements(nodes: unknown, scope: ReadonlyMap<string, string>): ReplyElement[] {
  if (!Array.isArray(nodes)) {
    return [];
  }
  const elements: ReplyElement[] = [];
  for (const node of nodes as OrderedNode[]) {
    const attributes = (node[':@'] ?? {}) as Record<string, string>;
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name.startsWith('?')) {
      continue;
    }
    const inner = new Map(scope);
    for (const [attribute, value] of Object.entries(attributes)) {
      if (attribute === 'xmlns') {
        inner.set('', value);
      } else if (attribute.startsWith('xmlns:')) {
        inner.set(attribute.slice('xmlns:'.length), value);
      }
    }
    const [prefix, localName] = name.includes(':') ? name.split(':', 2) : ['', name];
    const content = node[name];
    const text = Array.isArray(content)
      ? (content as OrderedNode[])
          .map((child) => (typeof child['#text'] === 'string' ? child['#text'] : ''))
          .join('')
      : '';
    elements.push({
      localName: localName ?? name,
      namespace: inner.get(prefix ?? '') ?? '',
      text,
      children: toElements(content, inner),
    });
  }
  return elements;
}

/** Parses a GetTransactionResponse; throws with the body when it is not one. */
export function parseGetTransactionReply(body: string): GetTransactionReply {
  const [envelope] = toElements(parser.parse(body), new Map());
  const soapBody = envelope?.children.find(
    (child) => child.localName === 'Body' && child.namespace === SOAP_ENVELOPE_NAMESPACE,
  );
  const responseElement = soapBody?.children[0];
  const result = responseElement?.children[0];
  if (
    envelope?.namespace !== SOAP_ENVELOPE_NAMESPACE ||
    responseElement === undefined ||
    result === undefined
  ) {
    throw new Error(`not a GetTransactionResponse envelope: ${body.slice(0, 500)}`);
  }
  const resultFields = result.children.map((child) => [child.localName, child.text] as const);
  const field = (name: string): string =>
    resultFields.find(([fieldName]) => fieldName === name)?.[1] ?? '';
  return {
    responseElement,
    resultFields,
    responseStatus: field('Responsestatus'),
    acknowledgement: field('Acknowledgement'),
    curBalance: field('CurBalance'),
    avlBalance: field('AvlBalance'),
  };
}

/** The `faultcode` of a SOAP 1.1 Fault, or undefined when the body is not one. */
export function soapFaultCode(body: string): string | undefined {
  try {
    const [envelope] = toElements(parser.parse(body), new Map());
    const fault = envelope?.children
      .find((child) => child.localName === 'Body')
      ?.children.find((child) => child.localName === 'Fault');
    return fault?.children.find((child) => child.localName === 'faultcode')?.text;
  } catch {
    return undefined;
  }
}
