import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
} from '../../../testing/get-transaction-envelope';
import { parseSoapRequest, type SoapParse, type SoapRequest } from './soap-xml-parser';

const ENVELOPE_OPEN = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">';

function parse(xml: string | Buffer): SoapParse {
  return parseSoapRequest(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml);
}

function accepted(xml: string): SoapRequest {
  const sut = parse(xml);
  if (sut.kind !== 'request') {
    throw new Error(`expected a request, got ${sut.reason}`);
  }
  return sut.request;
}

function rejection(xml: string | Buffer): string {
  const sut = parse(xml);
  return sut.kind === 'rejected' ? sut.reason : 'accepted';
}

function body(inner: string): string {
  return `${ENVELOPE_OPEN}<s:Body>${inner}</s:Body></s:Envelope>`;
}

describe('parseSoapRequest', () => {
  it('reads a full 160-element GetTransaction, empty elements as missing', () => {
    const request = accepted(getTransactionEnvelope(AUTH_REQUEST_FIELDS));
    expect(request.operation).toBe('GetTransaction');
    expect(request.fields.get('TXn_ID')).toBe('4816503021');
    expect(request.fields.get('Bill_Amt')).toBe('-12.5000');
    expect(request.fields.has('Note')).toBe(false);
    expect(request.fields.size).toBe(
      Object.values(AUTH_REQUEST_FIELDS).filter((value) => value !== '').length,
    );
    expect(request.usernameToken).toBeUndefined();
  });

  it('routes on the local name of the first Body child, whatever its prefix', () => {
    const request = accepted(
      body(
        '<t:GetTransaction xmlns:t="http://tempuri.org/"><t:TXn_ID>1</t:TXn_ID></t:GetTransaction>',
      ),
    );
    expect(request.operation).toBe('GetTransaction');
    expect(request.fields.get('TXn_ID')).toBe('1');
  });

  it('ignores unknown elements and keeps padding spaces for the mapper', () => {
    const request = accepted(
      body('<GetTransaction><Future_Field>x</Future_Field><MTID>05  </MTID></GetTransaction>'),
    );
    expect(request.fields.get('MTID')).toBe('05  ');
    expect(request.fields.get('Future_Field')).toBe('x');
  });

  it('decodes the five predefined entities, numeric references and CDATA literally', () => {
    const request = accepted(
      body(
        '<GetTransaction><Note>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;<![CDATA[&amp;<x>]]></Note></GetTransaction>',
      ),
    );
    expect(request.fields.get('Note')).toBe('&<>"\'AB&amp;<x>');
  });

  it.each([
    ['an undeclared named entity', '&lol;'],
    ['a bare ampersand', 'a & b'],
    ['a reference to NUL', '&#0;'],
    ['a reference beyond Unicode', '&#x110000;'],
    ['a reference to a surrogate', '&#xD800;'],
  ])('refuses %s', (_name, text) => {
    expect(rejection(body(`<GetTransaction><Note>${text}</Note></GetTransaction>`))).toMatch(
      /bad_entity_reference|not_well_formed/,
    );
  });

  it('marks duplicated and structured fields as ambiguous instead of picking one', () => {
    const request = accepted(
      body(
        '<GetTransaction><TXn_ID>1</TXn_ID><TXn_ID>2</TXn_ID><Token><a>1</a></Token></GetTransaction>',
      ),
    );
    expect(request.fields.has('TXn_ID')).toBe(false);
    expect([...request.ambiguousFields].sort()).toEqual(['TXn_ID', 'Token']);
  });

  it('reads a WS-Security UsernameToken from the header', () => {
    const header =
      '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>' +
      '<wsse:Username>processor</wsse:Username>' +
      '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">ZGln</wsse:Password>' +
      '<wsse:Nonce>bm9uY2U=</wsse:Nonce><wsu:Created xmlns:wsu="u">2026-01-01T00:00:00Z</wsu:Created>' +
      '</wsse:UsernameToken></wsse:Security>';
    const request = accepted(getTransactionEnvelope(AUTH_REQUEST_FIELDS, header));
    expect(request.usernameToken).toEqual({
      username: 'processor',
      password: 'ZGln',
      passwordIsDigest: true,
      nonceBase64: 'bm9uY2U=',
      created: '2026-01-01T00:00:00Z',
    });
  });

  describe('refuses before parsing', () => {
    const valid = getTransactionEnvelope(AUTH_REQUEST_FIELDS);

    it.each([
      [
        'a DOCTYPE with an external entity',
        `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${valid.slice(38)}`,
        'dtd_or_entity_declaration',
      ],
      ['a bare ENTITY declaration', `<!ENTITY e "x">${valid}`, 'dtd_or_entity_declaration'],
      ['a lower-case doctype', `<!doctype x>${valid}`, 'dtd_or_entity_declaration'],
      [
        'a processing instruction',
        valid.replace('<s:Body>', '<s:Body><?php echo 1 ?>'),
        'processing_instruction',
      ],
      ['an XML declaration not at the start', ` ${valid}`, 'processing_instruction'],
      [
        'a stylesheet instruction after the declaration',
        valid.replace('?>', '?><?xml-stylesheet href="http://x"?>'),
        'processing_instruction',
      ],
    ])('%s', (_name, xml, reason) => {
      expect(rejection(xml)).toBe(reason);
    });

    it('nesting deeper than 8', () => {
      expect(
        rejection(
          body(`<GetTransaction><a><b><c><d><e><f>x</f></e></d></c></b></a></GetTransaction>`),
        ),
      ).toBe('too_deep');
    });

    it('more than 400 elements', () => {
      expect(rejection(body(`<GetTransaction>${'<Note />'.repeat(400)}</GetTransaction>`))).toBe(
        'too_many_elements',
      );
    });

    it('a text over 1 KiB', () => {
      expect(
        rejection(body(`<GetTransaction><Note>${'x'.repeat(1025)}</Note></GetTransaction>`)),
      ).toBe('text_too_long');
    });

    it('invalid UTF-8 and a non-UTF-8 declared encoding', () => {
      const latin1 = Buffer.concat([
        Buffer.from(body('<GetTransaction><Note>')),
        Buffer.from([0xe9]),
        Buffer.from('</Note></GetTransaction></s:Body></s:Envelope>'),
      ]);
      expect(rejection(latin1)).toBe('not_utf8');
      expect(rejection(valid.replace('encoding="utf-8"', 'encoding="ISO-8859-1"'))).toBe(
        'not_utf8',
      );
      expect(
        rejection(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')])),
      ).toBe('not_utf8');
    });
  });

  it('accepts comments, whitespace around the root and single-quoted attributes', () => {
    const request = accepted(
      `<!-- before -->\n<s:Envelope xmlns:s='${'http://schemas.xmlsoap.org/soap/envelope/'}' >` +
        '<s:Body><!-- inside --><GetTransaction><TXn_ID a="1" b=\'2\'>7</TXn_ID></GetTransaction>' +
        '</s:Body></s:Envelope >\n<!-- after -->\n',
    );
    expect(request.fields.get('TXn_ID')).toBe('7');
  });

  it.each([
    ['a duplicate attribute', '<GetTransaction><Note a="1" a="2">x</Note></GetTransaction>'],
    ['an unquoted attribute', '<GetTransaction><Note a=1>x</Note></GetTransaction>'],
    ['an attribute without a value', '<GetTransaction><Note a>x</Note></GetTransaction>'],
    ['attributes without whitespace', '<GetTransaction><Note a="1"b="2">x</Note></GetTransaction>'],
    ['< inside an attribute value', '<GetTransaction><Note a="<">x</Note></GetTransaction>'],
    ['an unclosed element', '<GetTransaction><Note>x</GetTransaction>'],
    ['a name starting with a digit', '<GetTransaction><1Note>x</1Note></GetTransaction>'],
    ['a stray end tag', '<GetTransaction></Note></GetTransaction>'],
    ['an unterminated comment', '<GetTransaction><!-- x </GetTransaction>'],
  ])('rejects %s as not well-formed', (_name, inner) => {
    expect(rejection(body(inner))).toBe('not_well_formed');
  });

  it.each([
    ['text before the root', `x${body('<GetTransaction />')}`],
    ['text after the root', `${body('<GetTransaction />')}x`],
    ['CDATA outside the root', `${body('<GetTransaction />')}<![CDATA[x]]>`],
  ])('rejects %s', (_name, xml) => {
    expect(rejection(xml)).toBe('not_well_formed');
  });

  it('refuses an unknown entity inside an attribute value', () => {
    expect(rejection(body('<GetTransaction><Note a="&lol;">x</Note></GetTransaction>'))).toBe(
      'bad_entity_reference',
    );
  });

  it.each([
    ['truncated', getTransactionEnvelope(AUTH_REQUEST_FIELDS).slice(0, 500), /not_well_formed/],
    ['mismatched tags', body('<GetTransaction><a></b></GetTransaction>'), /not_well_formed/],
    ['two roots', `${body('<GetTransaction />')}<x />`, /not_well_formed|not_a_soap_11_envelope/],
    [
      'SOAP 1.2 envelope',
      '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><GetTransaction /></e:Body></e:Envelope>',
      /not_a_soap_11_envelope/,
    ],
    ['no envelope', '<GetTransaction />', /not_a_soap_11_envelope/],
    ['no body', `${ENVELOPE_OPEN}<s:Header /></s:Envelope>`, /no_soap_body/],
    ['empty body', body(''), /empty_soap_body/],
    ['empty input', '', /not_well_formed|not_a_soap_11_envelope/],
  ])('rejects %s', (_name, xml, reason) => {
    expect(rejection(xml)).toMatch(reason);
  });
});
