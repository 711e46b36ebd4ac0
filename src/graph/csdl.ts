// Writes an EdmSchema as an OData 4.0 CSDL XML document (the body of $metadata). A small element writer
// with attribute escaping is all it takes; the document is built once and served from memory.
import type { EdmCollectionCapabilities, EdmNavigationProperty, EdmProperty, EdmSchema, EdmStructuredType } from './metadata-model.ts';

const EDMX_NS = 'http://docs.oasis-open.org/odata/ns/edmx';
const EDM_NS = 'http://docs.oasis-open.org/odata/ns/edm';
const CAPABILITIES = 'Org.OData.Capabilities.V1';
const CAPABILITIES_VOCABULARY = 'https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml';

interface XmlElement {
  readonly name: string;
  /** Attributes in document order; undefined values are left out. */
  readonly attributes?: Readonly<Record<string, string | undefined>>;
  readonly children?: readonly XmlElement[];
  readonly text?: string;
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function write(element: XmlElement, indent: string, out: string[]): void {
  const attributes = Object.entries(element.attributes ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
  const children = element.children ?? [];
  if (element.text !== undefined) {
    out.push(`${indent}<${element.name}${attributes}>${escapeXml(element.text)}</${element.name}>`);
  } else if (children.length === 0) {
    out.push(`${indent}<${element.name}${attributes} />`);
  } else {
    out.push(`${indent}<${element.name}${attributes}>`);
    for (const child of children) write(child, `${indent}  `, out);
    out.push(`${indent}</${element.name}>`);
  }
}

const el = (name: string, attributes: XmlElement['attributes'], children: readonly XmlElement[] = []): XmlElement => ({ name, attributes, children });
const flag = (value: boolean | undefined) => (value ? 'true' : undefined);

function propertyElement(p: EdmProperty, name = 'Property'): XmlElement {
  return el(name, { Name: p.name, Type: p.type, Nullable: p.nullable ? undefined : 'false', Unicode: p.ascii ? 'false' : undefined });
}

function navigationElement(n: EdmNavigationProperty): XmlElement {
  return el('NavigationProperty', { Name: n.name, Type: n.type, ContainsTarget: flag(n.containsTarget) });
}

function structuredElement(kind: 'EntityType' | 'ComplexType', type: EdmStructuredType): XmlElement {
  const key = type.key ? [el('Key', {}, type.key.map((name) => el('PropertyRef', { Name: name })))] : [];
  return el(kind, { Name: type.name, BaseType: type.baseType, Abstract: flag(type.abstract), OpenType: flag(type.openType) }, [
    ...key,
    ...type.properties.map((p) => propertyElement(p)),
    ...(type.navigationProperties ?? []).map(navigationElement),
  ]);
}

const boolValue = (property: string, value: boolean) => el('PropertyValue', { Property: property, Bool: String(value) });
const pathsValue = (property: string, paths: readonly string[]): XmlElement =>
  el('PropertyValue', { Property: property }, [el('Collection', {}, paths.map((path) => ({ name: 'PropertyPath', text: path })))]);
const term = (name: string, value: XmlElement) => el('Annotation', { Term: `${CAPABILITIES}.${name}` }, [value]);
const record = (...values: XmlElement[]) => el('Record', {}, values);

function capabilitiesElement(c: EdmCollectionCapabilities): XmlElement {
  return el('Annotations', { Target: c.target }, [
    term('CountRestrictions', record(boolValue('Countable', c.countable))),
    term('ExpandRestrictions', record(boolValue('Expandable', c.expandable))),
    term('FilterRestrictions', record(boolValue('Filterable', c.filterable), pathsValue('NonFilterableProperties', c.nonFilterableProperties))),
    term('SortRestrictions', record(boolValue('Sortable', c.sortable), pathsValue('NonSortableProperties', c.nonSortableProperties))),
    term('SearchRestrictions', record(boolValue('Searchable', c.searchable))),
    term('NavigationRestrictions', record(boolValue('Referenceable', c.referenceable))),
    el('Annotation', { Term: `${CAPABILITIES}.SkipSupported`, Bool: String(c.skipSupported) }),
    el('Annotation', { Term: `${CAPABILITIES}.TopSupported`, Bool: String(c.topSupported) }),
  ]);
}

export function csdlDocument(schema: EdmSchema): string {
  const schemaElement = el('Schema', { Namespace: schema.namespace, Alias: schema.alias, xmlns: EDM_NS }, [
    ...schema.enumTypes.map((e) => el('EnumType', { Name: e.name }, e.members.map(([name, value]) => el('Member', { Name: name, Value: String(value) })))),
    ...schema.complexTypes.map((t) => structuredElement('ComplexType', t)),
    ...schema.entityTypes.map((t) => structuredElement('EntityType', t)),
    ...schema.actions.map((a) =>
      el('Action', { Name: a.name, IsBound: 'true' }, [
        el('Parameter', { Name: 'bindingParameter', Type: a.bindingType, Nullable: 'false' }),
        ...a.parameters.map((p) => propertyElement(p, 'Parameter')),
        ...(a.returnType ? [el('ReturnType', { Type: a.returnType })] : []),
      ]),
    ),
    el('EntityContainer', { Name: schema.container.name }, [
      ...schema.container.entitySets.map((s) =>
        el(
          'EntitySet',
          { Name: s.name, EntityType: s.entityType },
          (s.bindings ?? []).map((b) => el('NavigationPropertyBinding', { Path: b.path, Target: b.target })),
        ),
      ),
      ...schema.container.singletons.map((s) => el('Singleton', { Name: s.name, Type: s.type })),
    ]),
    ...schema.capabilities.map(capabilitiesElement),
  ]);
  const root = el('edmx:Edmx', { Version: '4.0', 'xmlns:edmx': EDMX_NS }, [
    el('edmx:Reference', { Uri: CAPABILITIES_VOCABULARY }, [el('edmx:Include', { Namespace: CAPABILITIES, Alias: 'Capabilities' })]),
    el('edmx:DataServices', {}, [schemaElement]),
  ]);
  const out = ['<?xml version="1.0" encoding="utf-8"?>'];
  write(root, '', out);
  return `${out.join('\n')}\n`;
}
