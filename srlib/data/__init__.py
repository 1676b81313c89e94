"""Data preparation: degradation, datasets, crops, DIV2K. Taught in notebook 01."""

from srlib.data.datasets import PairedFolderDataset, SRDataset, make_lr, to_tensor
from srlib.data.div2k import (benchmark_folders, div2k_folders, download, download_benchmarks,
                              download_div2k, extract_subimages)
from srlib.data.imresize import cubic, imresize
from srlib.data.io import (list_images, read_image, read_image_and_alpha, read_image_uint8, save_image,
                           to_rgb_float)
from srlib.data.loader import make_train_loader
from srlib.data.samples import (TRAIN_PHOTOS, VAL_PHOTOS, load_photo, sample_dataset,
                                sample_photos, write_sample_photos)
from srlib.data.transforms import dihedral, mod_crop, paired_random_crop, random_dihedral

__all__ = [
    "PairedFolderDataset", "SRDataset", "make_lr", "to_tensor", "benchmark_folders",
    "div2k_folders", "download", "download_benchmarks", "download_div2k", "extract_subimages",
    "cubic", "imresize", "list_images", "read_image", "read_image_and_alpha", "read_image_uint8", "save_image",
    "to_rgb_float", "make_train_loader", "TRAIN_PHOTOS", "VAL_PHOTOS", "load_photo",
    "sample_dataset", "sample_photos", "write_sample_photos", "dihedral", "mod_crop",
    "paired_random_crop", "random_dihedral",
]
