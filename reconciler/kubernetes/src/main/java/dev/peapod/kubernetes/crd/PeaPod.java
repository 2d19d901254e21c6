package dev.peapod.kubernetes.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The PeaPod custom resource, as the CRD {@code peapods.peapod.dev} declares it. This class exists
 * to generate that CRD (schema with field descriptions for {@code kubectl explain}, short name,
 * category, status subresource, printer columns); the agent never reads PeaPods through it. It
 * reads each PeaPod as a raw object and gives it to the same manifest parser that reads files
 * ({@link dev.peapod.kubernetes.PeaPodDocument}), so a custom resource and a file can never be
 * read differently, and a field the parser rejects is reported, not dropped by a Java binding.
 */
@Group(PeaPod.GROUP)
@Version(PeaPod.VERSION)
@Kind("PeaPod")
@Plural("peapods")
@ShortNames("pp")
@Categories("all")
@AdditionalPrinterColumn(name = "STATUS", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "NODE", jsonPath = ".status.vm.node", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "BOOT", jsonPath = ".status.vm.bootId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public final class PeaPod extends CustomResource<PeaPodSpec, PeaPodStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;

  public static final String GROUP = "peapod.dev";
  public static final String VERSION = "v1alpha1";
}
