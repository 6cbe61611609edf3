namespace Flux.Protocol.Storms.Faults;

/// <summary>
/// What a fault is allowed to cause: which connection ends (close codes, a cut, a drop, rejected sends) and which
/// effects. Anything else it causes, and anything at all outside every fault, fails the run. Loss, duplicates and
/// reorders are never allowed: every fault must end with every message delivered exactly once and in order, or announced.
/// </summary>
public sealed record FaultAllowance(string Text, IReadOnlySet<string> Closes, IReadOnlySet<Effect> Effects)
{
    /// <summary>Nothing at all: what is allowed while no fault is active.</summary>
    public static readonly FaultAllowance Nothing = new("nothing: no close, no loss, no rejected send", new HashSet<string>(), new HashSet<Effect>());

    /// <summary>The plan's allowed breach of the gateway's send limit (<c>--allow-limit-breach</c>).</summary>
    public static readonly FaultAllowance LimitBreach = new(
        "closes with 4008 (the send limit); the send over the limit and those after it are not published (unconfirmed); " +
        "the users resume with nothing lost",
        Closing(CloseKinds.Of(Wire.CloseCodes.RateLimited)), Causing(Effect.UnconfirmedSends));

    /// <summary>What a fault caused beyond its allowance, each worded for the verdict.</summary>
    public List<Excess> Exceeded(IReadOnlyDictionary<Effect, long> effects, IReadOnlyDictionary<string, long> closes)
    {
        var exceeded = new List<Excess>();
        foreach (var (effect, count) in effects)
        {
            // Rejected sends are judged by their error code, with the closes.
            if (count > 0 && effect != Effect.RejectedSends && !Effects.Contains(effect)) exceeded.Add(new Excess($"{count:N0} {effect.Describe()}", effect, null));
        }
        foreach (var (close, count) in closes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (count > 0 && !Closes.Contains(close)) exceeded.Add(new Excess($"{count:N0} {CloseKinds.Describe(close)}", null, close));
        }
        return exceeded;
    }

    /// <summary>A set of close keys, for a kind's allowance.</summary>
    public static IReadOnlySet<string> Closing(params string[] closes) => new HashSet<string>(closes);

    /// <summary>A set of effects, for a kind's allowance.</summary>
    public static IReadOnlySet<Effect> Causing(params Effect[] effects) => new HashSet<Effect>(effects);
}

/// <summary>One thing a fault (or the time outside every fault) caused beyond its allowance: an effect, or a kind of close.</summary>
public sealed record Excess(string Text, Effect? Effect, string? Close);
