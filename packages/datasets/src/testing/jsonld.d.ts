// The part of jsonld.js (digitalbazaar, a devDependency for the Croissant test) that the tests use; the package ships no types.
declare module 'jsonld' {
  interface ExpandOptions {
    /** Base IRI for relative @id references (Croissant's ids are relative to the document's URL). */
    base?: string;
    /** Reject lossy expansion: dropped keys, relative references, invalid values (jsonld.js safe mode). */
    safe?: boolean;
    documentLoader?: (url: string) => Promise<never>;
  }
  const jsonld: { expand(input: object, options?: ExpandOptions): Promise<Record<string, unknown>[]> };
  export default jsonld;
}
