package dev.streamy.transforms.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.display.DisplayData;

/** Display data as text, the way a runner's UI or log would show it, for secret checks. */
public final class Displayed {

  private Displayed() {}

  /** Every item as {@code key=value shortValue}. */
  public static List<String> values(DisplayData data) {
    List<String> values = new ArrayList<>();
    for (DisplayData.Item item : data.items()) {
      values.add(item.getKey() + "=" + item.getValue() + " " + item.getShortValue());
    }
    return values;
  }

  /** The items of every transform in the expanded pipeline, composites and primitives. */
  public static List<String> everywhere(Pipeline pipeline) {
    List<String> displayed = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            collect(node);
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            collect(node);
          }

          private void collect(TransformHierarchy.Node node) {
            if (node.getTransform() != null) {
              displayed.addAll(values(DisplayData.from(node.getTransform())));
            }
          }
        });
    return displayed;
  }
}
