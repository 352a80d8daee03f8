import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type {
  Component,
  ComponentData,
  CycloneDxBom,
  ExternalReference,
  Hash,
  LicenseChoice,
  ModelCard,
  Property,
  Vulnerability,
} from './types.ts';

/**
 * CycloneDX XML of the same document, element by element in the order of the official XSD sequences
 * (bom-1.6/1.7.xsd): attributes for `bom-ref`, `type`, `alg`, `name`; wrapper elements for lists.
 */

function text(parent: XMLBuilder, name: string, value: string | number | undefined): void {
  if (value !== undefined && value !== '') parent.ele(name).txt(String(value));
}

function properties(parent: XMLBuilder, list: readonly Property[] | undefined): void {
  if (!list?.length) return;
  const wrapper = parent.ele('properties');
  for (const p of list) wrapper.ele('property', { name: p.name }).txt(p.value);
}

function hashes(parent: XMLBuilder, list: readonly Hash[] | undefined): void {
  if (!list?.length) return;
  const wrapper = parent.ele('hashes');
  for (const h of list) wrapper.ele('hash', { alg: h.alg }).txt(h.content);
}

function licenses(parent: XMLBuilder, list: readonly LicenseChoice[] | undefined): void {
  if (!list?.length) return;
  const wrapper = parent.ele('licenses');
  for (const choice of list) {
    if ('expression' in choice) {
      wrapper
        .ele('expression', choice.acknowledgement ? { acknowledgement: choice.acknowledgement } : {})
        .txt(choice.expression);
      continue;
    }
    const l = choice.license;
    const element = wrapper.ele('license', l.acknowledgement ? { acknowledgement: l.acknowledgement } : {});
    if (l.id) text(element, 'id', l.id);
    else text(element, 'name', l.name);
    text(element, 'url', l.url);
    properties(element, l.properties);
  }
}

function externalReferences(parent: XMLBuilder, list: readonly ExternalReference[] | undefined): void {
  if (!list?.length) return;
  const wrapper = parent.ele('externalReferences');
  for (const r of list) {
    const element = wrapper.ele('reference', { type: r.type });
    text(element, 'url', r.url);
    text(element, 'comment', r.comment);
    hashes(element, r.hashes);
  }
}

function data(parent: XMLBuilder, list: readonly ComponentData[] | undefined): void {
  for (const d of list ?? []) {
    const element = parent.ele('data', d['bom-ref'] ? { 'bom-ref': d['bom-ref'] } : {});
    text(element, 'type', d.type);
    text(element, 'name', d.name);
    if (d.contents) {
      const contents = element.ele('contents');
      text(contents, 'url', d.contents.url);
      properties(contents, d.contents.properties);
    }
    text(element, 'classification', d.classification);
    if (d.sensitiveData?.length) for (const s of d.sensitiveData) text(element, 'sensitiveData', s);
    text(element, 'description', d.description);
  }
}

function list(
  parent: XMLBuilder,
  wrapper: string,
  item: string,
  values: readonly string[] | undefined,
): void {
  if (!values?.length) return;
  const element = parent.ele(wrapper);
  for (const v of values) element.ele(item).txt(v);
}

function modelCard(parent: XMLBuilder, card: ModelCard | undefined): void {
  if (!card) return;
  const element = parent.ele('modelCard');
  const mp = card.modelParameters;
  if (mp) {
    const params = element.ele('modelParameters');
    if (mp.approach) params.ele('approach').ele('type').txt(mp.approach.type);
    text(params, 'task', mp.task);
    text(params, 'architectureFamily', mp.architectureFamily);
    text(params, 'modelArchitecture', mp.modelArchitecture);
    if (mp.datasets?.length) {
      const datasets = params.ele('datasets');
      for (const d of mp.datasets) datasets.ele('ref').txt(d.ref);
    }
    if (mp.inputs?.length) {
      const inputs = params.ele('inputs');
      for (const i of mp.inputs) inputs.ele('input').ele('format').txt(i.format);
    }
    if (mp.outputs?.length) {
      const outputs = params.ele('outputs');
      for (const o of mp.outputs) outputs.ele('output').ele('format').txt(o.format);
    }
  }
  const metrics = card.quantitativeAnalysis?.performanceMetrics;
  if (metrics?.length) {
    const wrapper = element.ele('quantitativeAnalysis').ele('performanceMetrics');
    for (const m of metrics) {
      const metric = wrapper.ele('performanceMetric');
      text(metric, 'type', m.type);
      text(metric, 'value', m.value);
      text(metric, 'slice', m.slice);
    }
  }
  const c = card.considerations;
  if (c) {
    const considerations = element.ele('considerations');
    list(considerations, 'users', 'user', c.users);
    list(considerations, 'useCases', 'useCase', c.useCases);
    list(considerations, 'technicalLimitations', 'technicalLimitation', c.technicalLimitations);
    if (c.ethicalConsiderations?.length) {
      const wrapper = considerations.ele('ethicalConsiderations');
      for (const risk of c.ethicalConsiderations) {
        const e = wrapper.ele('ethicalConsideration');
        text(e, 'name', risk.name);
        text(e, 'mitigationStrategy', risk.mitigationStrategy);
      }
    }
    if (c.environmentalConsiderations)
      properties(considerations.ele('environmentalConsiderations'), c.environmentalConsiderations.properties);
  }
  properties(element, card.properties);
}

function component(parent: XMLBuilder, c: Component, name = 'component'): void {
  const element = parent.ele(name, { type: c.type, 'bom-ref': c['bom-ref'] });
  if (c.supplier?.name) element.ele('supplier').ele('name').txt(c.supplier.name);
  text(element, 'group', c.group);
  text(element, 'name', c.name);
  text(element, 'version', c.version);
  text(element, 'description', c.description);
  text(element, 'scope', c.scope);
  hashes(element, c.hashes);
  licenses(element, c.licenses);
  text(element, 'purl', c.purl);
  if (c.pedigree?.ancestors?.length) {
    const ancestors = element.ele('pedigree').ele('ancestors');
    for (const a of c.pedigree.ancestors) component(ancestors, a);
  }
  externalReferences(element, c.externalReferences);
  properties(element, c.properties);
  if (c.components?.length) {
    const children = element.ele('components');
    for (const child of c.components) component(children, child);
  }
  modelCard(element, c.modelCard);
  data(element, c.data);
  list(element, 'tags', 'tag', c.tags);
}

function vulnerability(parent: XMLBuilder, v: Vulnerability): void {
  const element = parent.ele('vulnerability', { 'bom-ref': v['bom-ref'] });
  text(element, 'id', v.id);
  const source = element.ele('source');
  text(source, 'name', v.source.name);
  text(source, 'url', v.source.url);
  const ratings = element.ele('ratings');
  for (const r of v.ratings) {
    const rating = ratings.ele('rating');
    text(rating, 'severity', r.severity);
    text(rating, 'method', r.method);
  }
  if (v.cwes?.length) {
    const cwes = element.ele('cwes');
    for (const cwe of v.cwes) cwes.ele('cwe').txt(String(cwe));
  }
  text(element, 'description', v.description);
  text(element, 'detail', v.detail);
  text(element, 'recommendation', v.recommendation);
  const affects = element.ele('affects');
  for (const a of v.affects) affects.ele('target').ele('ref').txt(a.ref);
  properties(element, v.properties);
}

/** Serialises a CycloneDX document written by Palisade as CycloneDX XML of the same version. */
export function toCycloneDxXml(bom: CycloneDxBom): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(
    `http://cyclonedx.org/schema/bom/${bom.specVersion}`,
    'bom',
    {
      serialNumber: bom.serialNumber,
      version: String(bom.version),
    },
  );
  const metadata = root.ele('metadata');
  text(metadata, 'timestamp', bom.metadata.timestamp);
  if (bom.metadata.lifecycles?.length) {
    const lifecycles = metadata.ele('lifecycles');
    for (const l of bom.metadata.lifecycles) lifecycles.ele('lifecycle').ele('phase').txt(l.phase);
  }
  const tools = metadata.ele('tools').ele('components');
  for (const tool of bom.metadata.tools.components) component(tools, tool);
  component(metadata, bom.metadata.component);
  properties(metadata, bom.metadata.properties);
  if (bom.components.length) {
    const components = root.ele('components');
    for (const c of bom.components) component(components, c);
  }
  const dependencies = root.ele('dependencies');
  for (const d of bom.dependencies) {
    const dependency = dependencies.ele('dependency', { ref: d.ref });
    for (const on of d.dependsOn ?? []) dependency.ele('dependency', { ref: on });
  }
  properties(root, bom.properties);
  if (bom.vulnerabilities?.length) {
    const vulnerabilities = root.ele('vulnerabilities');
    for (const v of bom.vulnerabilities) vulnerability(vulnerabilities, v);
  }
  return root.end({ prettyPrint: true });
}
