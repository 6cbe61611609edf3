using Flux.Protocol.Storms.Faults.Kinds;

namespace Flux.Protocol.Storms.Faults;

/// <summary>
/// Every fault kind, once. Adding a kind is one class in <c>Kinds/</c>, its line here, a value in <see cref="FaultKind"/>
/// (and the same value in swarm_control.proto's <c>FaultKind</c>), and its paragraph in docs/protocol.md.
/// </summary>
public static class FaultKinds
{
    private static readonly IFaultKind[] ByKind = Table(
    [
        new SlowConsumersFault(),
        new PartitionFault(),
        new GcPressureFault(),
        new DrainFault(),
        new KillGatewayFault(),
        new RestartRedisFault(),
        new FuzzFault(),
        new SurgeFault(),
        new LatencyFault(),
    ]);

    /// <summary>Every kind, in the order of <see cref="FaultKind"/>.</summary>
    public static IReadOnlyList<IFaultKind> All => ByKind;

    /// <exception cref="ArgumentOutOfRangeException">Not a kind this build knows.</exception>
    public static IFaultKind Of(FaultKind kind) => (uint)kind < (uint)ByKind.Length
        ? ByKind[(int)kind]
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a fault kind this build knows");

    /// <summary>The kind named <paramref name="name"/> (as <see cref="IFaultKind.Name"/> gives it), or null.</summary>
    public static IFaultKind? Named(string name) => ByKind.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The kebab-case name of a kind: <c>SlowConsumers</c> is <c>slow-consumers</c>.</summary>
    public static string NameOf(FaultKind kind)
    {
        string text = kind.ToString();
        var name = new System.Text.StringBuilder(text.Length + 4);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsUpper(text[i]) && i > 0) name.Append('-');
            name.Append(char.ToLowerInvariant(text[i]));
        }
        return name.ToString();
    }

    // Indexed by the enum's value, and checked to be complete, so a kind missing from the table fails at start-up, not mid-storm.
    private static IFaultKind[] Table(IFaultKind[] kinds)
    {
        var table = new IFaultKind[Enum.GetValues<FaultKind>().Length];
        foreach (var kind in kinds) table[(int)kind.Kind] = kind;
        for (int i = 0; i < table.Length; i++)
        {
            if (table[i] is null) throw new InvalidOperationException($"fault kind {(FaultKind)i} has no definition in FaultKinds");
        }
        return table;
    }
}
