using Flux.Protocol.Storms;
using Flux.Protocol.Storms.Faults;

namespace Flux.Swarm.Runs;

/// <summary>
/// When each planned fault is active, so losses, duplicates and disconnects can be tied to the fault that was
/// active when they happened. A fault counts as active for its kind's recovery grace after it ends, while clients recover.
/// </summary>
internal sealed class FaultTimeline(IReadOnlyList<FaultSpec> faults)
{
    public IReadOnlyList<FaultSpec> Faults { get; } = faults;

    /// <summary>The index of the fault active at <paramref name="second"/>, or -1.</summary>
    public int ActiveAt(double second)
    {
        for (int i = Faults.Count - 1; i >= 0; i--)
        {
            if (Covers(i, second)) return i;
        }
        return -1;
    }

    /// <summary>Whether fault <paramref name="index"/> is active at <paramref name="second"/>, or its clients still recovering.</summary>
    public bool Covers(int index, double second)
    {
        var fault = Faults[index];
        double grace = FaultKinds.Of(fault.Kind).RecoveryGraceSeconds;
        return second >= fault.At && second <= fault.At + fault.Duration + grace;
    }

    /// <summary>Whether a surge, or its recovery, is on at <paramref name="second"/>.</summary>
    public bool InSurge(double second)
    {
        for (int i = 0; i < Faults.Count; i++)
        {
            if (Faults[i].Kind == FaultKind.Surge && Covers(i, second)) return true;
        }
        return false;
    }

    public IEnumerable<string> ActiveDescriptions(double second)
    {
        foreach (var fault in Faults)
        {
            if (second >= fault.At && second < fault.At + Math.Max(fault.Duration, 1)) yield return fault.Describe();
        }
    }

    public string NameOf(int index) => index < 0 ? "none" : $"{index + 1}: {Faults[index].Describe()}";
}
