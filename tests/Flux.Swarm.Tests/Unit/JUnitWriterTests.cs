using Flux.Protocol.Tests.Storms;
using System.Xml.Linq;
using Flux.Swarm.Reporting;

namespace Flux.Swarm.Tests.Unit;

/// <summary>--junit: one test case per SLA clause, per delivery promise and per fault expectation.</summary>
public sealed class JUnitWriterTests
{
    [Fact]
    public void Each_sla_clause_and_fault_expectation_is_a_test_case_failed_when_it_failed()
    {
        var report = SampleReports.Detailed();

        var suite = JUnitWriter.ToJUnit(report).Root!.Element("testsuite")!;
        var cases = suite.Elements("testcase").ToDictionary(c => $"{c.Attribute("classname")!.Value}/{c.Attribute("name")!.Value}");

        Assert.Equal(cases.Count, (int)suite.Attribute("tests")!);
        Assert.Null(cases["storm.sla/p95 ≤ 50 ms"].Element("failure"));
        Assert.NotNull(cases["storm.sla/no breach lasting 10 s"].Element("failure"));
        Assert.NotNull(cases["storm.delivery/nothing lost"].Element("failure"));
        Assert.Null(cases["storm.faults/slow consumers: 2 × 2 s: within its allowance"].Element("failure"));
        var partition = cases["storm.faults/partition: 5 × 2 s: within its allowance"].Element("failure")!;
        Assert.Contains("10 lost deliveries", partition.Value);
        Assert.Null(cases["storm.generator/kept its schedule"].Element("skipped"));
        Assert.Equal(cases.Values.Count(c => c.Element("failure") is not null), (int)suite.Attribute("failures")!);
    }

    [Fact]
    public void A_generator_bound_run_skips_the_generator_case()
    {
        var report = SampleReports.Detailed() with { Generator = SampleReports.Detailed().Generator with { Saturated = true, Assessment = "lagging" } };

        var generator = JUnitWriter.ToJUnit(report).Descendants("testcase").Single(c => c.Attribute("classname")!.Value == "storm.generator");

        Assert.Equal("lagging", generator.Element("skipped")!.Attribute("message")!.Value);
    }
}
