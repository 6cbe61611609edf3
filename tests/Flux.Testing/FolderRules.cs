using System.Reflection;
using NetArchTest.Rules;

namespace Flux.Testing;

/// <summary>
/// The folder dependency rules of one project, as a test checks them: each folder (a namespace under the project's root)
/// may use only the folders it lists, read from the compiled code (signatures and method bodies alike, through
/// NetArchTest), so a <c>using</c> or a fully qualified name that adds a forbidden arrow fails the test.
/// </summary>
public sealed class FolderRules(Assembly assembly, string root, IReadOnlyDictionary<string, string[]> allowed)
{
    /// <summary>Everything wrong: a forbidden arrow, an undeclared folder, or a cycle in the table itself.</summary>
    public IReadOnlyList<string> Problems() =>
        [.. Violations(), .. Undeclared().Select(f => $"folder {f} has no rule"), .. Cycles().Select(f => $"the rules let {f} reach itself")];

    /// <summary>Every arrow the table does not allow, as "From → To: Type".</summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        foreach (var (folder, uses) in allowed)
        {
            foreach (string other in allowed.Keys.Where(f => f != folder && !uses.Contains(f)))
            {
                var result = Types.InAssembly(assembly).That().ResideInNamespace($"{root}.{folder}")
                    .ShouldNot().HaveDependencyOn($"{root}.{other}").GetResult();
                foreach (string type in result.FailingTypeNames ?? [])
                {
                    violations.Add($"{folder} → {other}: {type}");
                }
            }
        }
        return violations;
    }

    /// <summary>Folders of the project that the table does not list: a new folder must state its rule.</summary>
    public IReadOnlyList<string> Undeclared() =>
    [
        .. assembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(ns => ns is not null && ns.StartsWith(root + ".", StringComparison.Ordinal))
            .Select(ns => ns![(root.Length + 1)..].Split('.')[0])
            .Distinct()
            .Where(folder => !allowed.ContainsKey(folder))
            .Order(),
    ];

    /// <summary>The table's arrows that would form a cycle: a folder that uses another must not be used by it, directly or not.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        foreach (string folder in allowed.Keys)
        {
            var seen = new HashSet<string>();
            var stack = new Stack<string>(allowed[folder]);
            while (stack.Count > 0)
            {
                string next = stack.Pop();
                if (next == folder)
                {
                    cycles.Add(folder);
                    break;
                }
                if (!seen.Add(next) || !allowed.TryGetValue(next, out var uses)) continue;
                foreach (string use in uses) stack.Push(use);
            }
        }
        return cycles;
    }
}
