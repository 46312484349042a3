// Moves every table of one schema to another as queries are compiled: a tenant's sync state is a copy
// of the `sync` schema under its own name, and the code keeps naming `sync.*`. Raw SQL takes part only
// where it names tables through sql.table() / sql.ref(), which is why the state's raw SQL does.

import type { CreateSchemaNode, DropSchemaNode, SchemableIdentifierNode } from 'kysely';
import {
  IdentifierNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

class SchemaRenamer extends OperationNodeTransformer {
  constructor(
    private readonly from: string,
    private readonly to: string,
    private readonly keep: ReadonlySet<string>,
  ) {
    super();
  }

  protected override transformSchemableIdentifier(node: SchemableIdentifierNode): SchemableIdentifierNode {
    const t = super.transformSchemableIdentifier(node);
    if (t.schema?.name !== this.from || this.keep.has(t.identifier.name)) return t;
    return { ...t, schema: IdentifierNode.create(this.to) };
  }

  protected override transformCreateSchema(node: CreateSchemaNode): CreateSchemaNode {
    const t = super.transformCreateSchema(node);
    return t.schema.name === this.from ? { ...t, schema: IdentifierNode.create(this.to) } : t;
  }

  protected override transformDropSchema(node: DropSchemaNode): DropSchemaNode {
    const t = super.transformDropSchema(node);
    return t.schema.name === this.from ? { ...t, schema: IdentifierNode.create(this.to) } : t;
  }
}

export class SchemaRenamePlugin implements KyselyPlugin {
  readonly #renamer: SchemaRenamer;

  /** Tables of `from` named in `keep` stay where they are (the deployment's, not the tenant's). */
  constructor(from: string, to: string, keep: Iterable<string> = []) {
    this.#renamer = new SchemaRenamer(from, to, new Set(keep));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#renamer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
