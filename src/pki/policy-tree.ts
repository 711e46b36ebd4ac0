// Certificate policy processing of RFC 5280 §6.1 (the valid_policy_tree, steps 6.1.2 (a), (d)–(f) of
// 6.1.3, (a)–(b), (h)–(j) of 6.1.4 and (a), (b), (g) of 6.1.5), as a pure function over a path. The tree
// is built as the RFC describes, without qualifier sets (they decide nothing), and with a node budget:
// mappings can make it grow exponentially with the path (CVE-2023-0464), and a path that needs more
// nodes fails closed instead of burning CPU.
import type { Certificate } from './certificate.ts';
import { isSelfIssued } from './name-compare.ts';

export const ANY_POLICY = '2.5.29.32.0';

/** Most nodes the valid_policy_tree of one path may hold; real PKIs need a handful. */
export const POLICY_TREE_NODE_LIMIT = 100_000;

/** The four user inputs of RFC 5280 §6.1.1 (c), (e), (f), (g). */
export interface PolicyInputs {
  /** user-initial-policy-set; default { anyPolicy }. */
  readonly initialPolicySet?: readonly string[] | undefined;
  readonly requireExplicitPolicy?: boolean | undefined;
  readonly inhibitPolicyMapping?: boolean | undefined;
  readonly inhibitAnyPolicy?: boolean | undefined;
}

export type PolicyOutcome =
  | { readonly ok: true; readonly policies: readonly string[] }
  | { readonly ok: false; readonly reason: 'policy_violation' | 'budget_exceeded'; readonly message: string; readonly depth: number };

interface PolicyNode {
  readonly validPolicy: string;
  expected: Set<string>;
  readonly parent: PolicyNode | undefined;
  children: PolicyNode[];
  /** Set when the node is deleted with its subtree (§6.1.4 (b) (2), §6.1.5 (g)). */
  removed?: boolean;
}

class NodeBudgetExceeded extends Error {}

/**
 * Processes the policies of `path` (leaf first, the trust anchor excluded: RFC 5280 takes the anchor
 * as an input, not as a certificate of the path). On success, `policies` is the user-constrained policy
 * set: the policies (in the anchor's domain, after mappings) the leaf is valid for, anyPolicy included
 * when it stands for every policy, empty when the path carries no usable policy and none was required.
 */
export function processPolicies(path: readonly Certificate[], inputs: PolicyInputs = {}): PolicyOutcome {
  try {
    return run(path, inputs);
  } catch (error) {
    if (!(error instanceof NodeBudgetExceeded)) throw error;
    return { ok: false, reason: 'budget_exceeded', message: `certificate policy processing needed more than ${POLICY_TREE_NODE_LIMIT} policy tree nodes`, depth: 0 };
  }
}

function run(path: readonly Certificate[], inputs: PolicyInputs): PolicyOutcome {
  const n = path.length;
  let nodes = 1;
  const makeNode = (validPolicy: string, expected: Set<string>, parent: PolicyNode | undefined): PolicyNode => {
    if (++nodes > POLICY_TREE_NODE_LIMIT) throw new NodeBudgetExceeded();
    const node: PolicyNode = { validPolicy, expected, parent, children: [] };
    parent?.children.push(node);
    return node;
  };
  // §6.1.2 (a), (d)–(f)
  let root: PolicyNode | undefined = { validPolicy: ANY_POLICY, expected: new Set([ANY_POLICY]), parent: undefined, children: [] };
  let level: PolicyNode[] = [root];
  let explicitPolicy = inputs.requireExplicitPolicy ? 0 : n + 1;
  let inhibitAnyPolicy = inputs.inhibitAnyPolicy ? 0 : n + 1;
  let policyMapping = inputs.inhibitPolicyMapping ? 0 : n + 1;

  for (let i = 1; i <= n; i++) {
    const depth = n - i; // position in `path` (0 = leaf)
    const certificate = path[depth] as Certificate;
    const selfIssued = isSelfIssued(certificate);
    const fail = (message: string, at = depth): PolicyOutcome => ({ ok: false, reason: 'policy_violation', message: `'${certificate.subjectText}' ${message}`, depth: at });

    if (certificate.policies && root) {
      // §6.1.3 (d) (1): each policy under the parents that expect it, else under an anyPolicy parent.
      const next: PolicyNode[] = [];
      const expecting = indexBy(level, (node) => node.expected);
      const anyNodes = level.filter((node) => node.validPolicy === ANY_POLICY);
      for (const policy of certificate.policies) {
        if (policy === ANY_POLICY) continue;
        for (const parent of expecting.get(policy) ?? anyNodes) next.push(makeNode(policy, new Set([policy]), parent));
      }
      // (d) (2): anyPolicy, where not inhibited, stands for each policy a parent expects and has no child for.
      if (certificate.policies.includes(ANY_POLICY) && (inhibitAnyPolicy > 0 || (i < n && selfIssued))) {
        for (const parent of level) {
          const covered = new Set(parent.children.map((child) => child.validPolicy));
          for (const policy of parent.expected) {
            if (!covered.has(policy)) next.push(makeNode(policy, new Set([policy]), parent));
          }
        }
      }
      // (d) (3)
      root = prune(root, i);
      level = root ? next : [];
    } else {
      // (e)
      root = undefined;
      level = [];
    }
    // (f)
    if (explicitPolicy === 0 && !root) return fail('leaves no valid certificate policy where an explicit policy is required');
    if (i === n) break;

    // §6.1.4 (a), (b): policy mappings.
    const mappings = certificate.policyMappings ?? [];
    if (mappings.some((m) => m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY)) {
      return fail('maps anyPolicy in policyMappings (RFC 5280: not allowed)');
    }
    if (mappings.length > 0 && root) {
      const mapped = new Map<string, Set<string>>();
      for (const { issuerDomainPolicy, subjectDomainPolicy } of mappings) {
        const set = mapped.get(issuerDomainPolicy) ?? new Set<string>();
        set.add(subjectDomainPolicy);
        mapped.set(issuerDomainPolicy, set);
      }
      if (policyMapping > 0) {
        const anyNode = level.find((node) => node.validPolicy === ANY_POLICY);
        const byPolicy = indexBy(level, (node) => [node.validPolicy]);
        for (const [issuerPolicy, subjects] of mapped) {
          const matching = byPolicy.get(issuerPolicy);
          for (const node of matching ?? []) node.expected = new Set(subjects);
          if (!matching && anyNode) level.push(makeNode(issuerPolicy, new Set(subjects), anyNode.parent));
        }
      } else {
        level = level.filter((node) => {
          if (!mapped.has(node.validPolicy)) return true;
          detach(node);
          return false;
        });
        root = prune(root, i);
        if (!root) level = [];
      }
    }

    // (h), (i), (j)
    if (!selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    const constraints = certificate.policyConstraints;
    if (constraints?.requireExplicitPolicy !== undefined) explicitPolicy = Math.min(explicitPolicy, constraints.requireExplicitPolicy);
    if (constraints?.inhibitPolicyMapping !== undefined) policyMapping = Math.min(policyMapping, constraints.inhibitPolicyMapping);
    if (certificate.inhibitAnyPolicy !== undefined) inhibitAnyPolicy = Math.min(inhibitAnyPolicy, certificate.inhibitAnyPolicy);
  }

  // §6.1.5 (a), (b)
  const leaf = path[0] as Certificate;
  if (explicitPolicy > 0) explicitPolicy--;
  if (leaf.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
  // (g): the intersection with the user-initial-policy-set.
  const userSet = inputs.initialPolicySet ?? [ANY_POLICY];
  if (root && !userSet.includes(ANY_POLICY)) {
    level = intersect(root, level, new Set(userSet), makeNode);
    root = prune(root, n);
    if (!root) level = [];
  }
  if (explicitPolicy === 0 && level.length === 0) {
    return { ok: false, reason: 'policy_violation', message: `'${leaf.subjectText}' is not valid for any acceptable certificate policy where an explicit policy is required`, depth: 0 };
  }
  return { ok: true, policies: [...new Set(level.map(authorityPolicyOf))] };
}

/**
 * The policy a leaf-level node stands for in the trust anchor's domain: the valid_policy of its first
 * ancestor (itself included) right below an anyPolicy node, before any mapping renamed it.
 */
function authorityPolicyOf(node: PolicyNode): string {
  let current = node;
  while (current.parent && current.parent.validPolicy !== ANY_POLICY) current = current.parent;
  return current.validPolicy;
}

/** §6.1.5 (g) (iii): keeps the leaf-level nodes the user set accepts; returns the new leaf level. */
function intersect(
  root: PolicyNode,
  leafLevel: PolicyNode[],
  userSet: ReadonlySet<string>,
  makeNode: (validPolicy: string, expected: Set<string>, parent: PolicyNode | undefined) => PolicyNode,
): PolicyNode[] {
  // 1. The valid_policy_node_set: nodes (below the root) whose parent is an anyPolicy node.
  const nodeSet: PolicyNode[] = [];
  const walk = (node: PolicyNode) => {
    for (const child of node.children) {
      if (node.validPolicy === ANY_POLICY) nodeSet.push(child);
      walk(child);
    }
  };
  walk(root);
  const namedInSet = new Set(nodeSet.map((node) => node.validPolicy));
  // 2. Those the user does not accept go, with their subtrees.
  for (const node of nodeSet) {
    if (node.validPolicy !== ANY_POLICY && !userSet.has(node.validPolicy)) detach(node);
  }
  let level = leafLevel.filter((node) => isAttached(node));
  // 3. An anyPolicy node at depth n stands for each accepted policy not named in the node set.
  const anyLeaf = level.find((node) => node.validPolicy === ANY_POLICY);
  if (anyLeaf) {
    for (const policy of userSet) {
      if (!namedInSet.has(policy)) level.push(makeNode(policy, new Set([policy]), anyLeaf.parent));
    }
    detach(anyLeaf);
    level = level.filter((node) => node !== anyLeaf);
  }
  return level;
}

function detach(node: PolicyNode): void {
  // The parent lets go of it at the next prune.
  node.removed = true;
}

function isAttached(node: PolicyNode): boolean {
  for (let current: PolicyNode | undefined = node; current; current = current.parent) {
    if (current.removed) return false;
  }
  return true;
}

/** The nodes of a level by each of their keys (policy OIDs), so that matching stays linear. */
function indexBy(level: readonly PolicyNode[], keys: (node: PolicyNode) => Iterable<string>): Map<string, PolicyNode[]> {
  const index = new Map<string, PolicyNode[]>();
  for (const node of level) {
    for (const key of keys(node)) {
      const list = index.get(key);
      if (list) list.push(node);
      else index.set(key, [node]);
    }
  }
  return index;
}

/** Deletes, bottom up, every node above depth `depth` that has no children; undefined when the root goes. */
function prune(root: PolicyNode, depth: number): PolicyNode | undefined {
  const keep = (node: PolicyNode, at: number): boolean => {
    if (at === depth) return true;
    node.children = node.children.filter((child) => !child.removed && keep(child, at + 1));
    return node.children.length > 0;
  };
  return keep(root, 0) ? root : undefined;
}
