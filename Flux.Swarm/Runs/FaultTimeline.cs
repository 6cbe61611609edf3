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

    private readonly FaultScope[] _scopes = [.. faults.Select(f => FaultKinds.Of(f.Kind).Scope)];

    /// <summary>
    /// The fault that explains what happened to a user at <paramref name="second"/>, or -1: the fault that picked the user
    /// (<paramref name="pickedBy"/>) while it lasts and its users recover; else the latest fault active then whose scope
    /// takes the user: every user, or the users of the gateway it acts on (<paramref name="gateway"/>: the one the user's
    /// connection was to, or -1 when that is not known, as for a seq that never came). A slow-consumer fault explains
    /// nothing of users it did not pick, a kill nothing of the other gateway's users: that is judged as if no fault were
    /// active. A user picked by an early fault is not excused by it for good: a later drain's close belongs to the drain.
    /// </summary>
    public int Explaining(int pickedBy, double second, int gateway = -1)
    {
        if (pickedBy >= 0 && Covers(pickedBy, second)) return pickedBy;
        for (int i = Faults.Count - 1; i >= 0; i--)
        {
            if (!Covers(i, second)) continue;
            bool inScope = _scopes[i] switch
            {
                FaultScope.Everyone => true,
                FaultScope.TargetGateways => gateway < 0 || Faults[i].Gateway < 0 || Faults[i].Gateway == gateway,
                _ => false, // picked users (only the fault that picked them, above), or no users at all
            };
            if (inScope) return i;
        }
        return -1;
    }

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
