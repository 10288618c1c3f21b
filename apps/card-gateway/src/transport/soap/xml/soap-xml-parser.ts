/**
 * The gateway's ONE entry point for turning request bytes into SOAP data. Everything XML-specific
 * (hardening, parser choice, namespaces, entity decoding) stays behind `parseSoapRequest`, so the
 * hot path can change parser later without touching the mapping or the transport
 * (CARD-PROCESSOR.md §8, issue 4 benchmark note).
 *
 * Order of defences: size is bounded by the HTTP reader before we get here; then a byte-level
 * pre-scan refuses DTDs, entity declarations and processing instructions and bounds element count
 * and depth BEFORE any parsing; then strict UTF-8 decoding; then our own strict single-pass reader
 * (`strict-xml-reader.ts`: no entity expansion beyond the five predefined entities and numeric
 * character references, no DTD support at all, no recursion). It replaced fast-xml-parser's
 * validate + parse, which cost ~0.66 ms of the gateway's CPU per message.
 */
import {
  readXmlDocument,
  XmlBadEntityReference,
  XmlNotWellFormed,
  type XmlElement,
} from './strict-xml-reader';

export const SOAP_11_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
const WS_SECURITY_PASSWORD_DIGEST_SUFFIX = '#PasswordDigest';

export interface SoapXmlLimits {
  /** Maximum element nesting, Envelope counted as 1. */
  readonly depthMax: number;
  readonly elementCountMax: number;
  /** Maximum length of one element's text, in characters after entity decoding. */
  readonly textLengthMax: number;
}

export const DEFAULT_SOAP_XML_LIMITS: SoapXmlLimits = Object.freeze({
  depthMax: 8,
  elementCountMax: 400,
  textLengthMax: 1024,
});

/** A WS-Security UsernameToken from the SOAP header, as sent (checked by the authenticator). */
export interface UsernameToken {
  readonly username: string;
  readonly password: string;
  readonly passwordIsDigest: boolean;
  readonly nonceBase64: string;
  readonly created: string;
}

export interface SoapRequest {
  /** Local name of the Body's first child element, e.g. `GetTransaction`. */
  readonly operation: string;
  /**
   * The operation's child elements by local name with decoded text. Empty elements are absent
   * (CARD-PROCESSOR.md §2.3: empty = missing).
   */
  readonly fields: ReadonlyMap<string, string>;
  /** Local names that occurred more than once, or held child elements instead of text. */
  readonly ambiguousFields: ReadonlySet<string>;
  readonly usernameToken: UsernameToken | undefined;
}

/** Short, input-free reasons; they become the Fault's faultstring. */
export type SoapXmlRejection =
  | 'not_utf8'
  | 'dtd_or_entity_declaration'
  | 'processing_instruction'
  | 'too_deep'
  | 'too_many_elements'
  | 'text_too_long'
  | 'not_well_formed'
  | 'bad_entity_reference'
  | 'not_a_soap_11_envelope'
  | 'no_soap_body'
  | 'empty_soap_body';

export type SoapParse =
  | { readonly kind: 'request'; readonly request: SoapRequest }
  | { readonly kind: 'rejected'; readonly reason: SoapXmlRejection };

const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const SLASH = 0x2f;
const QUESTION_MARK = 0x3f;
const EXCLAMATION_MARK = 0x21;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const XML_DECLARATION = Buffer.from('<?xml');
const COMMENT_OPEN = Buffer.from('<!--');
const COMMENT_CLOSE = Buffer.from('-->');
const CDATA_OPEN = Buffer.from('<![CDATA[');
const CDATA_CLOSE = Buffer.from(']]>');
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a SOAP 1.1 request. Never throws on any input; never fetches anything; time and memory
 * are linear in the input, which the caller has already bounded in size.
 */
export function parseSoapRequest(
  body: Buffer,
  limits: SoapXmlLimits = DEFAULT_SOAP_XML_LIMITS,
): SoapParse {
  const bytes = hasPrefix(body, 0, UTF8_BOM) ? body.subarray(UTF8_BOM.length) : body;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { kind: 'rejected', reason: 'not_utf8' };
  }
  const scan = preScan(bytes, limits);
  if (scan !== undefined) {
    return { kind: 'rejected', reason: scan };
  }
  if (!declaredEncodingIsUtf8(text)) {
    return { kind: 'rejected', reason: 'not_utf8' };
  }
  let root: XmlElement;
  try {
    root = readXmlDocument(text);
  } catch (error) {
    if (error instanceof XmlNotWellFormed) {
      return { kind: 'rejected', reason: 'not_well_formed' };
    }
    if (error instanceof XmlBadEntityReference) {
      return { kind: 'rejected', reason: 'bad_entity_reference' };
    }
    throw error;
  }
  try {
    return readEnvelope(root, limits);
  } catch (error) {
    if (error instanceof SoapXmlError) {
      return { kind: 'rejected', reason: error.reason };
    }
    throw error;
  }
}

class SoapXmlError extends Error {
  constructor(readonly reason: SoapXmlRejection) {
    super(reason);
  }
}

function hasPrefix(bytes: Buffer, offset: number, prefix: Buffer): boolean {
  return (
    bytes.length - offset >= prefix.length &&
    bytes.compare(prefix, 0, prefix.length, offset, offset + prefix.length) === 0
  );
}

/**
 * Walks the raw bytes once: refuses `<!DOCTYPE`, `<!ENTITY` and every other markup declaration,
 * refuses processing instructions except one XML declaration at offset 0, and counts elements and
 * nesting so a nesting bomb is refused before any recursive code runs. Comments and CDATA are
 * skipped as opaque. Well-formedness proper is left to the validator.
 */
function preScan(bytes: Buffer, limits: SoapXmlLimits): SoapXmlRejection | undefined {
  let depth = 0;
  let elementCount = 0;
  let index = 0;
  while (index < bytes.length) {
    const start = bytes.indexOf(LESS_THAN, index);
    if (start < 0) {
      return undefined;
    }
    const next = bytes[start + 1];
    if (next === QUESTION_MARK) {
      if (start !== 0 || !hasPrefix(bytes, 0, XML_DECLARATION)) {
        return 'processing_instruction';
      }
      const end = bytes.indexOf('?>', start);
      if (end < 0) {
        return 'not_well_formed';
      }
      index = end + 2;
      continue;
    }
    if (next === EXCLAMATION_MARK) {
      if (hasPrefix(bytes, start, COMMENT_OPEN)) {
        const end = bytes.indexOf(COMMENT_CLOSE, start + COMMENT_OPEN.length);
        if (end < 0) {
          return 'not_well_formed';
        }
        index = end + COMMENT_CLOSE.length;
        continue;
      }
      if (hasPrefix(bytes, start, CDATA_OPEN)) {
        const end = bytes.indexOf(CDATA_CLOSE, start + CDATA_OPEN.length);
        if (end < 0) {
          return 'not_well_formed';
        }
        index = end + CDATA_CLOSE.length;
        continue;
      }
      return 'dtd_or_entity_declaration';
    }
    const tagEnd = findTagEnd(bytes, start + 1);
    if (tagEnd < 0) {
      return 'not_well_formed';
    }
    if (next === SLASH) {
      depth -= 1;
    } else {
      elementCount += 1;
      if (elementCount > limits.elementCountMax) {
        return 'too_many_elements';
      }
      if (bytes[tagEnd - 1] !== SLASH) {
        depth += 1;
        if (depth > limits.depthMax) {
          return 'too_deep';
        }
      }
    }
    index = tagEnd + 1;
  }
  return undefined;
}

/** Index of the `>` closing the tag that starts before `from`, skipping quoted attribute values. */
function findTagEnd(bytes: Buffer, from: number): number {
  let quote = 0;
  for (let index = from; index < bytes.length; index += 1) {
    const byte = bytes[index];
    if (quote !== 0) {
      if (byte === quote) {
        quote = 0;
      }
    } else if (byte === DOUBLE_QUOTE || byte === SINGLE_QUOTE) {
      quote = byte;
    } else if (byte === GREATER_THAN) {
      return index;
    } else if (byte === LESS_THAN) {
      return -1;
    }
  }
  return -1;
}

function declaredEncodingIsUtf8(text: string): boolean {
  if (!text.startsWith('<?xml')) {
    return true;
  }
  const declaration = text.slice(0, text.indexOf('?>'));
  const encoding = /\sencoding\s*=\s*["']([^"']*)["']/.exec(declaration);
  return encoding === null || /^utf-?8$/i.test(encoding[1] ?? '');
}

/** Namespace of `element`, looking up its prefix in its own attributes, then its ancestors'. */
function namespaceOf(element: XmlElement, ancestors: readonly XmlElement[]): string | undefined {
  const attribute = element.prefix === '' ? 'xmlns' : `xmlns:${element.prefix}`;
  const own = element.attributes.get(attribute);
  if (own !== undefined) {
    return own;
  }
  for (let index = ancestors.length - 1; index >= 0; index -= 1) {
    const value = ancestors[index]?.attributes.get(attribute);
    if (value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/** Text content of a leaf element, or undefined when it has element children. */
function textOf(element: XmlElement, limits: SoapXmlLimits): string | undefined {
  if (element.hasElementChildren) {
    return undefined;
  }
  if (element.text.length > limits.textLengthMax) {
    throw new SoapXmlError('text_too_long');
  }
  return element.text;
}

function readEnvelope(envelope: XmlElement, limits: SoapXmlLimits): SoapParse {
  if (
    envelope.localName !== 'Envelope' ||
    namespaceOf(envelope, []) !== SOAP_11_ENVELOPE_NAMESPACE
  ) {
    throw new SoapXmlError('not_a_soap_11_envelope');
  }
  let body: XmlElement | undefined;
  let header: XmlElement | undefined;
  for (const child of envelope.children) {
    if (namespaceOf(child, [envelope]) !== SOAP_11_ENVELOPE_NAMESPACE) {
      continue;
    }
    if (child.localName === 'Body') {
      body ??= child;
    } else if (child.localName === 'Header') {
      header ??= child;
    }
  }
  if (body === undefined) {
    throw new SoapXmlError('no_soap_body');
  }
  const operationElement = body.children[0];
  if (operationElement === undefined) {
    throw new SoapXmlError('empty_soap_body');
  }
  const fields = new Map<string, string>();
  const seen = new Set<string>();
  const ambiguousFields = new Set<string>();
  for (const field of operationElement.children) {
    const text = textOf(field, limits);
    if (seen.has(field.localName) || text === undefined) {
      ambiguousFields.add(field.localName);
      fields.delete(field.localName);
      seen.add(field.localName);
      continue;
    }
    seen.add(field.localName);
    if (text !== '') {
      fields.set(field.localName, text);
    }
  }
  return {
    kind: 'request',
    request: {
      operation: operationElement.localName,
      fields,
      ambiguousFields,
      usernameToken: header === undefined ? undefined : readUsernameToken(header, limits),
    },
  };
}

function childByLocalName(element: XmlElement, localName: string): XmlElement | undefined {
  return element.children.find((child) => child.localName === localName);
}

function readUsernameToken(header: XmlElement, limits: SoapXmlLimits): UsernameToken | undefined {
  const security = childByLocalName(header, 'Security');
  const token = security === undefined ? undefined : childByLocalName(security, 'UsernameToken');
  if (token === undefined) {
    return undefined;
  }
  const text = (name: string): string => {
    const child = childByLocalName(token, name);
    return child === undefined ? '' : (textOf(child, limits) ?? '');
  };
  const passwordType = childByLocalName(token, 'Password')?.attributes.get('Type');
  return {
    username: text('Username'),
    password: text('Password'),
    passwordIsDigest:
      passwordType !== undefined && passwordType.endsWith(WS_SECURITY_PASSWORD_DIGEST_SUFFIX),
    nonceBase64: text('Nonce'),
    created: text('Created'),
  };
}
