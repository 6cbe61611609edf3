using Microsoft.Extensions.Configuration;

namespace Flux.AppHost.Supervision;

/// <summary>
/// How the AppHost restarts a failed gateway (<c>Flux:Supervision:*</c>, README "Running it"). The first restart
/// waits <see cref="FirstDelay"/>; each crash after it doubles the wait up to <see cref="MaxDelay"/>; a gateway that
/// ran for <see cref="StableAfter"/> before it crashed starts again from <see cref="FirstDelay"/>. After
/// <see cref="MaxCrashes"/> crashes within <see cref="Window"/> the gateway is left stopped and reported in the
/// Aspire dashboard, where it can be started by hand.
/// </summary>
internal sealed record SupervisionOptions(TimeSpan FirstDelay, TimeSpan MaxDelay, int MaxCrashes, TimeSpan Window, TimeSpan StableAfter)
{
    public const string Section = "Flux:Supervision";

    /// <summary>
    /// One chaos storm kills a gateway once in 80 s, so even storms back to back stay well under 5 crashes in 5 minutes;
    /// a gateway that cannot start (a bad setting, a Redis it refuses) reaches it in about 30 s.
    /// </summary>
    public static SupervisionOptions Default { get; } = new(
        FirstDelay: TimeSpan.FromSeconds(1), MaxDelay: TimeSpan.FromSeconds(30), MaxCrashes: 5,
        Window: TimeSpan.FromMinutes(5), StableAfter: TimeSpan.FromMinutes(1));

    /// <summary>Reads <c>Flux:Supervision</c>, or throws saying which setting is wrong and what it may be.</summary>
    public static SupervisionOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = new SupervisionOptions(
            Seconds(section, "FirstDelaySeconds", Default.FirstDelay),
            Seconds(section, "MaxDelaySeconds", Default.MaxDelay),
            section.GetValue("MaxCrashes", Default.MaxCrashes),
            Seconds(section, "WindowSeconds", Default.Window),
            Seconds(section, "StableAfterSeconds", Default.StableAfter));
        if (options.FirstDelay <= TimeSpan.Zero) throw Invalid("FirstDelaySeconds", "greater than 0");
        if (options.MaxDelay < options.FirstDelay) throw Invalid("MaxDelaySeconds", "at least FirstDelaySeconds");
        if (options.MaxCrashes < 1) throw Invalid("MaxCrashes", "1 or more");
        if (options.Window <= TimeSpan.Zero) throw Invalid("WindowSeconds", "greater than 0");
        if (options.StableAfter <= TimeSpan.Zero) throw Invalid("StableAfterSeconds", "greater than 0");
        return options;
    }

    private static TimeSpan Seconds(IConfigurationSection section, string key, TimeSpan fallback)
    {
        string? text = section[key];
        if (text is null) return fallback;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds) || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw Invalid(key, "a number of seconds up to one day");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static InvalidOperationException Invalid(string key, string expected) =>
        new($"{Section}:{key} must be {expected}.");
}
