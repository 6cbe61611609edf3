using Flux.Protocol.Storms;

namespace Flux.Swarm.Runs;

/// <summary>
/// When each planned fault is active, so losses, duplicates and disconnects can be tied to the fault that was
/// active when they happened. A fault counts as active for a grace period after it ends, while clients recover.
/// </summary>
internal sealed class FaultTimeline(IReadOnlyList<FaultSpec> faults)
{
    /// <summary>Clients reconnect with back-off and resume after a fault ends; effects until then belong to the fault.</summary>
    public const double RecoveryGraceSeconds = 5;

    /// <summary>
    /// After a surge, shedding steps down a level only after <c>Gateway:Shedding:RecoverAfterMs</c> (5 s) of calm, two
    /// levels at most, and shed users come back with up to 5 s of back-off: what happens until then is the surge's.
    /// </summary>
    public const double SurgeRecoveryGraceSeconds = 20;

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
        double grace = fault.Kind == FaultKind.Surge ? SurgeRecoveryGraceSeconds : RecoveryGraceSeconds;
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
