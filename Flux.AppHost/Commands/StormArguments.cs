using System.Globalization;
using Flux.Protocol.Storms;

namespace Flux.AppHost.Commands;

/// <summary>
/// The "Start storm…" command's arguments (preset, users, guilds, rate, duration, target, faults), turned into a plan
/// and checked by the same <see cref="StormPlanValidator"/> as the CLI, the page and the swarm. Blank numbers keep the
/// preset's; the target is every gateway or one of them by name.
/// </summary>
internal static class StormArguments
{
    public const string Preset = "preset";
    public const string Users = "users";
    public const string Guilds = "guilds";
    public const string Rate = "rate";
    public const string Duration = "duration";
    public const string Target = "target";
    public const string Faults = "faults";

    /// <summary>The target that means every gateway the swarm discovers.</summary>
    public const string AllGateways = "all";

    /// <summary>The inputs, in the order the Aspire CLI takes them positionally.</summary>
    public static List<InteractionInput> Inputs(IReadOnlyList<string> gateways) =>
    [
        new() { Name = Preset, Label = "Preset", InputType = InputType.Choice, Required = true, Value = StormPresets.Seed,
            Options = [.. StormPresets.Names.Select(n => KeyValuePair.Create(n, n))],
            Description = "The storm to start from; the fields below override it." },
        new() { Name = Users, Label = "Users", InputType = InputType.Number, Placeholder = "the preset's",
            Description = $"Simulated users (1 to {StormPlanValidator.MaxUsers:N0})." },
        new() { Name = Guilds, Label = "Guilds", InputType = InputType.Number, Placeholder = "the preset's", Description = "Guilds the users are spread over." },
        new() { Name = Rate, Label = "Rate (messages/s)", InputType = InputType.Number, Placeholder = "the preset's", Description = "Messages per second, all users together." },
        new() { Name = Duration, Label = "Duration (s)", InputType = InputType.Number, Placeholder = "the preset's", Description = "Seconds of steady load after the ramp." },
        new() { Name = Target, Label = "Target", InputType = InputType.Choice, Required = true, Value = AllGateways,
            Options = [KeyValuePair.Create(AllGateways, "every gateway"), .. gateways.Select(g => KeyValuePair.Create(g, g))],
            Description = "Every gateway, or one of them." },
        new() { Name = Faults, Label = "Faults", InputType = InputType.Boolean, Value = "true", Description = "Inject the preset's faults." },
    ];

    /// <summary>The plan these arguments describe, and what is wrong with it, by input name (empty when it is valid).</summary>
    /// <param name="gatewayUrls">Each gateway's WebSocket URL by resource name, for a target of one gateway.</param>
    public static (StormPlan? Plan, List<(string Input, string Message)> Errors) Parse(Func<string, string?> value, IReadOnlyDictionary<string, string> gatewayUrls)
    {
        var errors = new List<(string, string)>();
        string preset = value(Preset) ?? "";
        if (!StormPresets.TryGet(preset, out var plan))
        {
            errors.Add((Preset, $"'{preset}' is not a preset; use one of {string.Join(", ", StormPresets.Names)}."));
            return (null, errors);
        }
        int? users = Whole(Users), guilds = Whole(Guilds);
        double? rate = Number(Rate), duration = Number(Duration);
        string target = value(Target) is { Length: > 0 } t ? t : AllGateways;
        IReadOnlyList<string> gateways = [];
        if (target != AllGateways)
        {
            if (gatewayUrls.TryGetValue(target, out var url)) gateways = [url];
            else errors.Add((Target, $"'{target}' is not a gateway; use {AllGateways} or one of {string.Join(", ", gatewayUrls.Keys)}."));
        }
        bool faults = true;
        if (value(Faults) is { Length: > 0 } onOff && !bool.TryParse(onOff, out faults))
        {
            errors.Add((Faults, $"faults must be true or false, not '{onOff}'."));
        }
        if (errors.Count > 0) return (null, errors);

        plan = plan with
        {
            Users = users ?? plan.Users,
            Guilds = guilds ?? plan.Guilds,
            Rate = rate ?? plan.Rate,
            Duration = duration ?? plan.Duration,
            Gateways = gateways,
            Faults = faults ? plan.Faults : [],
        };
        foreach (string message in StormPlanValidator.Validate(plan, gatewaysRequired: false)) errors.Add((InputOf(message), message));
        return (errors.Count == 0 ? plan : null, errors);

        int? Whole(string name)
        {
            if (value(name) is not { Length: > 0 } text) return null;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)) return number;
            errors.Add((name, $"{name} must be a whole number, not '{text}'."));
            return null;
        }

        double? Number(string name)
        {
            if (value(name) is not { Length: > 0 } text) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)) return number;
            errors.Add((name, $"{name} must be a number, not '{text}'."));
            return null;
        }
    }

    // The validator names the field first ("users must be…", "fault 2 (Drain): …", "gateway '…' …").
    private static string InputOf(string message) =>
        message.StartsWith("users", StringComparison.Ordinal) ? Users
        : message.StartsWith("guilds", StringComparison.Ordinal) ? Guilds
        : message.StartsWith("rate", StringComparison.Ordinal) ? Rate
        : message.StartsWith("duration", StringComparison.Ordinal) ? Duration
        : message.StartsWith("gateway", StringComparison.Ordinal) || message.StartsWith("at least one gateway", StringComparison.Ordinal) ? Target
        : message.StartsWith("fault", StringComparison.Ordinal) ? Faults
        : Preset;
}
