// `{{#each}}` over an array, as Handlebars' own helper does it, without its per-item
// allocations. Handlebars 4.7's `each` makes, for every item, two arrays and a result for
// block parameters, a string for the item's context path (`contextPath + field`, even when
// nothing tracks ids: "undefined0", "undefined1", ...) and an options object. A host with
// 10,000 interfaces has files of 140,000 lines, one `{{#each}}` item each: about a fifth of
// the time its templates take, and garbage the collector then copies.
//
// This one sets the same @data (@index, @key, @first, @last) on one frame per block and
// passes the same options object to every item; everything else (objects, iterables, a
// block with parameters `as |x|`, ids tracked) is left to Handlebars' helper, which it
// replaces under the same name. test/unit/render-each.test.ts renders every form netgen's
// templates use through both and compares the text.

/** What of Handlebars' helper options `each` reads. */
interface EachOptions {
  fn: ((context: unknown, options?: { data?: unknown; blockParams?: unknown[] }) => string) & { blockParams?: number };
  inverse: (context: unknown, options?: unknown) => string;
  data?: Record<string, unknown>;
  ids?: unknown;
}

type Helper = (this: unknown, context: unknown, options: EachOptions) => string;

/** The parts of a Handlebars environment (full or runtime-only) this needs. */
export interface EachHost {
  helpers: Record<string, unknown>;
  registerHelper(name: string, fn: Helper): void;
  createFrame(data: object): Record<string, unknown>;
}

/** Replace `each` in `hbs` by one that takes arrays without per-item garbage. */
export function registerArrayEach(hbs: EachHost): void {
  const builtin = hbs.helpers['each'] as Helper;
  const createFrame = hbs.createFrame;
  hbs.registerHelper('each', function (this: unknown, context: unknown, options: EachOptions): string {
    if (!Array.isArray(context) || options === undefined || options.ids !== undefined || options.fn.blockParams) {
      return builtin.call(this, context, options);
    }
    const fn = options.fn;
    const last = context.length - 1;
    if (last < 0) return options.inverse(this);
    let ret = '';
    if (options.data) {
      const data = createFrame(options.data);
      const itemOptions = { data };
      for (let i = 0; i <= last; i++) {
        if (!(i in context)) continue;
        data['key'] = i;
        data['index'] = i;
        data['first'] = i === 0;
        data['last'] = i === last;
        ret = ret + fn(context[i], itemOptions);
      }
    } else {
      const itemOptions = { data: undefined };
      for (let i = 0; i <= last; i++) {
        if (!(i in context)) continue;
        ret = ret + fn(context[i], itemOptions);
      }
    }
    return ret;
  });
}
